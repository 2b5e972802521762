using System.CommandLine;
using HyenaIL.Cli;

// The `hyena` command: train, eval, generate, inspect, bench, selftest, devices.
var root = new RootCommand("HyenaIL: train, run and explain Hyena language models in pure C#.")
{
    TrainCommand.Create(),
    EvalCommand.Create(),
    GenerateCommand.Create(),
    InspectCommand.Create(),
    DevicesCommand.Create(),
    SelfTestCommand.Create(),
    BenchCommand.Create(),
};
return CliRunner.Run(root, args);
