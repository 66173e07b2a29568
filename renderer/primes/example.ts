/** The tutorial's list of numbers (its process-pool example), one click away in the Primes tab. */
export const tutorialNumbers = [
  '1116281',
  '1297337',
  '104395303',
  '472882027',
  '533000389',
  '817504243',
  '982451653',
  '112272535095293',
  '112582705942171',
  '112272535095293',
  '115280095190773',
  '115797848077099',
  '1099726899285419',
] as const;

export const tutorialExampleText = tutorialNumbers.join('\n');
