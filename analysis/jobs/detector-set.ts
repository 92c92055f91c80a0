// The detectors of analysis/detectors as the jobs use them.
import { DETECTOR_NAMES } from '../detectors/names.ts';
import { scorePeerGroup } from '../detectors/peers.ts';
import { createDetector, restoreDetector } from '../detectors/registry.ts';
import type { DetectorSet } from './types.ts';

export const detectorSet: DetectorSet = {
  names: () => DETECTOR_NAMES,
  create: (name) => createDetector(name),
  restore: (_name, state) => restoreDetector(state),
  peers: (values) => scorePeerGroup(values),
};
