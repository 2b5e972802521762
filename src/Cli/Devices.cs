namespace HyenaIL.Cli;

/// <summary>Opens the device a command asked for and says which one and why.</summary>
public static class Devices
{
    public static Device Open(string? requested)
    {
        var (name, why) = DeviceSelector.Resolve(requested);
        var device = Device.Open(name);
        Console.WriteLine($"device: {device.Name} ({why}) — {device.Description}");
        return device;
    }
}
