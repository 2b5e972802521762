using HyenaIL;
using HyenaIL.Layers;
using HyenaIL.Training;

using var device = Device.Open("auto");                       // CUDA, then OpenCL, then the managed CPU
var task = new AssociativeRecall(vocab: 10, sequenceLength: 64, trainExamples: 0, testExamples: 500, seed: 1);
var config = new ModelConfig { Vocab = 10, Width = 64, Layers = 2, InnerWidth = 256, MaxLength = 64,
                               PositionalDims = 5, SinFrequency = 10, TrainPositional = false };
var options = new TrainingOptions { Steps = 4000, BatchSize = 32, Optimization = new() { LearningRate = 1e-3 } };
using var trainer = new Trainer(new LanguageModel(config, device, seed: 1), task, options, runDirectory: "runs/quickstart");
var summary = trainer.Run(new InlineProgress<TrainingProgress>(p => { if (p.Step % 500 == 0) Console.WriteLine($"{p.Step}: loss {p.Loss:F4}"); }));
Console.WriteLine($"held-out accuracy {summary.FinalEval!.Accuracy:P2}");
