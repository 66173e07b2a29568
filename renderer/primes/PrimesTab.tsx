/** Primes tab (issue 4): check a list of numbers, and count or list the primes in a range, side by side. */
import '../styles/primes.css';
import { CheckPanel } from './CheckPanel.js';
import { RangePanel } from './RangePanel.js';

export function PrimesTab() {
  return (
    <div className="primes-tab">
      <CheckPanel />
      <RangePanel />
    </div>
  );
}
