// The deterministic generator of the evaluation data, under the name the test fleets use.
export { createRandom as seededRandom, type Random as SeededRandom } from '../../analysis/eval/random.ts';
