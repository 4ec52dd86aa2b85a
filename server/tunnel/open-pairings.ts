/**
 * The pairings created through this process, by desktop subnet, for the caps on open pairings
 * per subnet and in total (server/tunnel/pairings.ts). Counting and pruning one subnet costs
 * that subnet's pairings, not every pairing on the node: with 10,000 waiting, a scan per create
 * was most of the relay's CPU (test/bench/pairings.ts --profile).
 */
export class OpenPairings {
  private readonly subnetOf = new Map<string, string>();
  private readonly bySubnet = new Map<string, Set<string>>();

  get size(): number {
    return this.subnetOf.size;
  }

  add(id: string, subnet: string): void {
    this.subnetOf.set(id, subnet);
    let ids = this.bySubnet.get(subnet);
    if (!ids) this.bySubnet.set(subnet, (ids = new Set()));
    ids.add(id);
  }

  delete(id: string): void {
    const subnet = this.subnetOf.get(id);
    if (subnet === undefined) return;
    this.subnetOf.delete(id);
    const ids = this.bySubnet.get(subnet);
    ids?.delete(id);
    if (ids?.size === 0) this.bySubnet.delete(subnet);
  }

  countIn(subnet: string): number {
    return this.bySubnet.get(subnet)?.size ?? 0;
  }

  /** A copy, so the caller may delete while it walks. */
  idsIn(subnet: string): string[] {
    return [...(this.bySubnet.get(subnet) ?? [])];
  }

  ids(): string[] {
    return [...this.subnetOf.keys()];
  }
}
