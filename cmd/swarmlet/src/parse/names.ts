const ADJECTIVES = [
  'brave',
  'calm',
  'eager',
  'fervent',
  'gallant',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'nifty',
  'quirky',
  'serene',
  'sharp',
  'stoic',
  'tender',
  'upbeat',
  'vibrant',
  'wizardly',
  'zealous',
  'bold',
];
const SCIENTISTS = [
  'babbage',
  'curie',
  'darwin',
  'euclid',
  'feynman',
  'galileo',
  'hopper',
  'kepler',
  'lovelace',
  'meitner',
  'noether',
  'pasteur',
  'ritchie',
  'shannon',
  'tesla',
  'turing',
  'wiles',
  'yalow',
];

/** A random `adjective_scientist` service name, as docker gives unnamed services. */
export function randomName(random: () => number = Math.random): string {
  const pick = (list: readonly string[]): string =>
    list[Math.floor(random() * list.length)] ?? list[0] ?? 'x';
  return `${pick(ADJECTIVES)}_${pick(SCIENTISTS)}`;
}
