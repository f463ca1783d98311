export * from './api.ts';
export { DETECTOR_DEFAULTS, EwmaDetector, type EwmaDetectorOptions } from './domain/anomaly-detector.ts';
export { HOLT_WINTERS_DEFAULTS, HoltWinters, type HoltWintersOptions } from './domain/holt-winters.ts';
export { PREDICTIVE_DEFAULTS, PredictiveScaler, type PredictiveScalerOptions } from './domain/predictive-scaler.ts';
export { REACTIVE_DEFAULTS, ReactiveScaler, type ReactiveScalerOptions } from './domain/reactive-scaler.ts';
