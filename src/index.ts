/**
 * dendrite: native-accelerated deep learning for Node.js.
 * Public exports only; see README.md for the guide.
 */
export { Tensor, tensor } from './tensor.js';
export type { TensorLike, NestedArray } from './tensor.js';
export { DendriteError } from './errors.js';
export { backends, setBackend, getBackend, setMatmulPrecision, getMatmulPrecision } from './backend/registry.js';
export type { MatmulPrecision } from './backend/registry.js';
export type { BackendInfo, BackendName } from './backend/backend.js';
export { Activation, activation, ACTIVATION_NAMES } from './activation/index.js';
export type { ActivationName, ActivationOptionsByName, OpOptions } from './activation/index.js';
export { Loss, loss, LOSS_NAMES } from './loss/index.js';
export type { LossName, LossOptionsByName, ClassTargets } from './loss/index.js';
export { optimizers, Optimizer } from './optimizer/index.js';
export type {
  OptimizerConfig, OptimizerState, TensorList, SGDOptions, AdagradOptions, AdadeltaOptions, RMSpropOptions,
  AdamOptions, AdamWOptions, AdamaxOptions, NAdamOptions, RAdamOptions,
} from './optimizer/index.js';
export { clipGradNorm, clipGradValue } from './optimizer/clip.js';
export { schedules, LRSchedule } from './schedule/index.js';
export type {
  StepLROptions, ExponentialLROptions, CosineAnnealingLROptions, LinearLROptions, OneCycleLROptions, ReduceLROnPlateauOptions,
} from './schedule/index.js';
export {
  layers, Layer, Dense, Conv2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d, Flatten, BatchNorm, LayerNorm, Dropout, Embedding,
  INITIALIZER_NAMES, WEIGHT_NAMES,
} from './layer/index.js';
export type {
  DenseOptions, ActivationSpec, InitializerName, Conv2dOptions, Pool2dOptions, BatchNormOptions, LayerNormOptions, DropoutOptions,
  EmbeddingOptions, Padding, WeightName, LayerWeights, LayerGradients, ForwardOptions, LayerOptions,
} from './layer/index.js';
export { Sequential, sequential } from './model/sequential.js';
export type { CompileOptions, CompileConfig, SequentialOptions, EvaluateOptions, PredictOptions, TargetsLike, InputsLike } from './model/sequential.js';
export type { MetricName, MetricSpec } from './metrics/index.js';
export { loadModel, loadWeights } from './io/load.js';
export type { LoadWeightsOptions, LoadModelOptions } from './io/load.js';
export type { SaveOptions, SaveWeightsOptions } from './io/save.js';
export { modelFromBuffer } from './io/buffer.js';
export { data } from './data/namespace.js';
export type { FashionMnistOptions } from './data/namespace.js';
export type { Dataset, Split, Scaling } from './data/dataset.js';
export type { CsvOptions, CsvRows, CsvDatasetOptions } from './data/csv.js';
export type { MnistOptions, ImageShape } from './data/mnist.js';
export type { IdxArray, IdxType, ReadIdxOptions } from './data/idx.js';
export type { SyntheticOptions } from './data/synthetic.js';
export type { LoadDatasetOptions } from './data/index.js';
export type { TrainTestSplitOptions, TrainTestSplit, SplitTargets } from './data/train-test-split.js';
export type { StandardScaler } from './data/standard-scaler.js';
export type { LabelEncoder, LabelEncoderJson } from './data/label-encoder.js';
export type { Preprocessing, PreprocessingJson, PreprocessingParts } from './data/preprocessing.js';
export type { WeightsLayout } from './io/layout.js';
export type { FitOptions } from './model/fit.js';
export { History } from './model/history.js';
export { callbacks } from './model/index.js';
export type { Callback, Logs, TrainingControl, EarlyStoppingOptions } from './model/callbacks.js';
export type { ModelCheckpointOptions } from './callbacks/model-checkpoint.js';
export type { CsvLoggerOptions } from './callbacks/csv-logger.js';
export type { MonitorMode } from './callbacks/monitor.js';
export type { Verbosity } from './model/progress.js';
export { debug } from './debug.js';
export { getNumThreads, setNumThreads } from './threads.js';
export { distributed, Distributed } from './distributed/index.js';
export type { DistributedInitOptions, ReduceOp } from './distributed/index.js';
export { version } from './version.js';
