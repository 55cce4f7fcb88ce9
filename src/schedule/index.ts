/** dd.schedules: learning-rate schedules with PyTorch's semantics. */
import { CosineAnnealingLR, ExponentialLR, LinearLR, StepLR } from './basic.js';
import { OneCycleLR } from './one-cycle-lr.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';

export const schedules = { StepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR, ReduceLROnPlateau };
export { LRSchedule } from './schedule.js';
export type { StepLROptions, ExponentialLROptions, CosineAnnealingLROptions, LinearLROptions } from './basic.js';
export type { OneCycleLROptions } from './one-cycle-lr.js';
export type { ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
