// Copies blazor.web.js out of the ASP.NET Core 9.0 runtime pack (see src/ConstitutionHub.Web/Build/BlazorScript.targets).
// Usage: dotnet run extract.cs -- <Microsoft.AspNetCore.Components.Endpoints.dll> <output file>
#:property PublishAot=false
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

const string ResourceName = "_framework/blazor.web.js";
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: extract <assembly> <output>");
    return 2;
}

using var stream = File.OpenRead(args[0]);
using var pe = new PEReader(stream);
var metadata = pe.GetMetadataReader();
foreach (var handle in metadata.ManifestResources)
{
    var resource = metadata.GetManifestResource(handle);
    if (metadata.GetString(resource.Name) != ResourceName) continue;

    // Embedded resources live in the CLI resources directory as [int32 length][bytes].
    var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
    var block = pe.GetSectionData(directory.RelativeVirtualAddress);
    var reader = block.GetReader((int)resource.Offset, block.Length - (int)resource.Offset);
    var length = reader.ReadInt32();
    var bytes = reader.ReadBytes(length);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[1]))!);
    File.WriteAllBytes(args[1], bytes);
    Console.WriteLine($"blazor.web.js: {bytes.Length} bytes -> {args[1]}");
    return 0;
}

Console.Error.WriteLine($"{ResourceName} not found in {args[0]}");
return 1;
