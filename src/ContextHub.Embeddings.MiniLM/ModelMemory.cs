using System.Reflection;
using System.Runtime.InteropServices;

namespace ContextHub.Embeddings.MiniLM;

/// <summary>
/// The model ships as a 90 MB resource inside the package's assembly and is read once into ONNX Runtime, which keeps its
/// own copy. Loading leaves two more copies resident: the managed array the package read it into (garbage, but large
/// objects wait for a full collection) and the assembly's mapped pages (clean, file-backed, but counted as the
/// process's memory until the kernel needs them). This gives both back.
/// </summary>
internal static partial class ModelMemory
{
    private const int MadvDontNeed = 4;

    public static void ReleaseAfterLoading(Assembly assembly)
    {
        // Once per process, after a load that took seconds: a full, compacting collection returns the array's pages.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var name in assembly.GetManifestResourceNames())
        {
            using var stream = assembly.GetManifestResourceStream(name) as UnmanagedMemoryStream;
            if (stream is null || stream.Length < 1 << 20)
            {
                continue;
            }

            DropPages(stream);
        }
    }

    /// <summary>Tells the kernel the resource's pages are not needed now; read-only data, so a later read faults them back in from the file.</summary>
    private static unsafe void DropPages(UnmanagedMemoryStream stream)
    {
        var page = (nuint)Environment.SystemPageSize;
        var start = (nuint)stream.PositionPointer;
        var end = start + (nuint)stream.Length;
        var first = (start + page - 1) / page * page;
        var last = end / page * page;
        if (last > first)
        {
            _ = Madvise((nint)first, last - first, MadvDontNeed);
        }
    }

    private static bool s_trimUnavailable;

    /// <summary>
    /// Hands the native heap's free memory back to the system after an encode: ONNX Runtime's worker threads allocate
    /// a batch's tensors from their own malloc arenas, which glibc would otherwise keep at their largest for good.
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux() || s_trimUnavailable)
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (EntryPointNotFoundException)
        {
            s_trimUnavailable = true; // not glibc (e.g. musl)
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
