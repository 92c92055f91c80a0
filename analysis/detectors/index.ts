// The detectors' public surface for the rest of fleetscope (analysis jobs, alerts, the `detect` command).
// The jobs adapt them to their DetectorSet in analysis/jobs/detector-set.ts.
export { ALERT_THRESHOLD } from './calibration.ts';
export { AnomalyKind, type Detector, type DetectorOptions, type DetectorOutput, type DetectorSnapshot } from './types.ts';
export { createAlertGate, type AlertGate, type AlertGateOptions, type AlertGateState } from './alert-gate.ts';
export { DETECTOR_NAMES, type DetectorName } from './names.ts';
export { scorePeerGroup, scorePeers, type PeerOptions, type PeerSample, type PeerScore } from './peers.ts';
export { createDetector, restoreDetector } from './registry.ts';
