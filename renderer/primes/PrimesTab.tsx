/** Primes tab: check numbers and count or list primes in a range (issue 4). */
export function PrimesTab() {
  return (
    <section className="primes-tab" aria-label="Primes">
      <h2>Primes</h2>
    </section>
  );
}
