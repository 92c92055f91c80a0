import { createComposite, newCompositeState, SNAPSHOT_VERSION, type CompositeState } from './composite.ts';
import type { AnyCore } from './core.ts';
import { flatlineCore } from './flatline.ts';
import { levelShiftCore } from './level-shift.ts';
import { missingCore } from './missing.ts';
import { DETECTOR_NAMES, isDetectorName, type DetectorName } from './names.ts';
import { seasonalityCore } from './seasonality.ts';
import { spikeCore } from './spike.ts';
import { trendCore } from './trend.ts';
import type { Detector, DetectorOptions, DetectorSnapshot } from './types.ts';
import { varianceCore } from './variance.ts';

const CORES: Readonly<Record<DetectorName, readonly AnyCore[]>> = {
  default: [spikeCore, levelShiftCore, trendCore, varianceCore, seasonalityCore, flatlineCore, missingCore],
  spike: [spikeCore],
  'level-shift': [levelShiftCore],
  trend: [trendCore],
  variance: [varianceCore],
  seasonality: [seasonalityCore],
  flatline: [flatlineCore],
  missing: [missingCore],
};

function unknownName(name: string): Error {
  return new Error(`unknown detector "${name}": use one of ${DETECTOR_NAMES.join(', ')}`);
}

/**
 * Creates a detector by name (see {@link DETECTOR_NAMES}); `default` runs every statistic and is the
 * one to use. Throws on an unknown name or invalid options.
 *
 * @example
 * const d = createDetector('default');
 * for (const [t, v] of points) if (d.update(t, v).score >= 0.5) console.log('anomaly at', t);
 */
export function createDetector(name: string, opts: DetectorOptions = {}): Detector {
  if (!isDetectorName(name)) throw unknownName(name);
  return createComposite(name, CORES[name], newCompositeState(CORES[name], opts));
}

/**
 * Re-creates a detector from {@link Detector.snapshot} (also after a JSON round trip): it continues
 * exactly where the snapshot was taken. Throws when the snapshot is of another version or malformed.
 */
export function restoreDetector(snapshot: unknown): Detector {
  const snap = snapshot as Partial<DetectorSnapshot> | null;
  if (typeof snap !== 'object' || snap === null) throw new Error('cannot restore detector: snapshot is not an object');
  if (snap.v !== SNAPSHOT_VERSION) throw new Error(`cannot restore detector: snapshot version ${String(snap.v)}, expected ${SNAPSHOT_VERSION}`);
  const name = String(snap.name);
  if (!isDetectorName(name)) throw new Error(`cannot restore detector: ${unknownName(name).message}`);
  const cores = CORES[name];
  const st = snap.state as Partial<CompositeState> | undefined;
  if (!st || typeof st !== 'object' || !st.b || !Array.isArray(st.cores) || st.cores.length !== cores.length || !Array.isArray(st.eps) || !st.ep) {
    throw new Error(`cannot restore detector: state of "${name}" is malformed`);
  }
  return createComposite(name, cores, structuredClone(st as CompositeState));
}
