using ContextHub.Redis;

namespace ContextHub.Server.Tests.Redis;

/// <summary>What each bad Redis setting gets at start: a failure naming the setting and the fix.</summary>
public sealed class RedisOptionsTests
{
    [Theory]
    [InlineData("", null, "ContextHub:Redis:Configuration is empty")]
    [InlineData("127.0.0.1:6379,notAnOption=1", null, "is not a StackExchange.Redis configuration string")]
    [InlineData("password=secret", null, "names no server")]
    [InlineData("127.0.0.1:6379", "00:00:00", "ContextHub:Redis:Timeout")]
    [InlineData("127.0.0.1:6379", "00:05:00", "ContextHub:Redis:Timeout")]
    public void Bad_settings_are_refused_with_the_setting_named(string configuration, string? timeout, string expected)
    {
        var options = new RedisOptions { Configuration = configuration };
        if (timeout is not null)
        {
            options.Timeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture);
        }

        var result = new RedisOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("00:30:00")]
    public void A_task_lease_out_of_range_is_refused_with_the_setting_named(string lease)
    {
        var options = new RedisOptions { Configuration = "127.0.0.1:6379", TaskLease = TimeSpan.Parse(lease, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new RedisOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("ContextHub:Redis:TaskLease", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_host_and_port_is_accepted_and_never_waits_for_redis()
    {
        var options = new RedisOptions { Configuration = "127.0.0.1:6379" };

        Assert.True(new RedisOptionsValidator().Validate(null, options).Succeeded);
        var client = options.ToClientOptions();
        Assert.False(client.AbortOnConnectFail);
        Assert.Equal(2000, client.AsyncTimeout);
    }
}
