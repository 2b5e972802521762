using HyenaIL.TestSupport;
using Xunit;

[assembly: AssemblyFixture(typeof(DeviceFixture))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]
