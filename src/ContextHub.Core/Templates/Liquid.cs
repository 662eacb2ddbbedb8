using Fluid;

namespace ContextHub.Templates;

/// <summary>
/// The one Liquid parser shared by everything that reads templates from files (prompt bodies, HTTP tools' URL,
/// headers, body and response). A <see cref="FluidParser"/> builds its whole grammar when it is created and is safe
/// to use from several threads, so one instance serves them all instead of one grammar per kind of file.
/// </summary>
internal static class Liquid
{
    public static FluidParser Parser { get; } = new();
}
