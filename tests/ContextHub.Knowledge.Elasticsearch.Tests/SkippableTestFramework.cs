using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("ContextHub.Knowledge.Elasticsearch.Tests.SkippableTestFramework", "ContextHub.Knowledge.Elasticsearch.Tests")]

namespace ContextHub.Knowledge.Elasticsearch.Tests;

/// <summary>
/// Runs every [Fact] and [Theory] of a class marked <see cref="SkippableTestsAttribute"/> — its inherited ones too —
/// as a SkippableFact/SkippableTheory, so a test that throws <see cref="SkipException"/> (<c>Skip.If</c>) is reported
/// as skipped. The shared contract suite declares plain facts; this lets the Elasticsearch run of it skip when no
/// cluster is configured.
/// </summary>
public sealed class SkippableTestFramework : XunitTestFramework
{
    public SkippableTestFramework(IMessageSink messageSink)
        : base(messageSink)
    {
    }

    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new Discoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Discoverer : XunitTestFrameworkDiscoverer
    {
        public Discoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
            : base(assemblyInfo, sourceProvider, diagnosticMessageSink)
        {
        }

        protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
        {
            if (!testMethod.TestClass.Class.GetCustomAttributes(typeof(SkippableTestsAttribute)).Any())
            {
                return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
            }

            var fact = testMethod.Method.GetCustomAttributes(typeof(FactAttribute)).FirstOrDefault();
            if (fact is null)
            {
                return true;
            }

            IXunitTestCaseDiscoverer discoverer = testMethod.Method.GetCustomAttributes(typeof(TheoryAttribute)).Any()
                ? new SkippableTheoryDiscoverer(DiagnosticMessageSink)
                : new SkippableFactDiscoverer(DiagnosticMessageSink);
            foreach (var testCase in discoverer.Discover(discoveryOptions, testMethod, fact))
            {
                if (!ReportDiscoveredTestCase(testCase, includeSourceInformation, messageBus))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

/// <summary>Marks a test class whose facts and theories may skip themselves at run time (see <see cref="SkippableTestFramework"/>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SkippableTestsAttribute : Attribute
{
}
