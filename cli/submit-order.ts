// The order in which `eval --early-stop` submits a dataset: round-robin across groups (the first candidate of every
// group, then the second of every group, ...), so a group's later candidates reach the queue after its first ones
// have had time to run and can be skipped. Datasets are usually ordered by problem, which defeats early stop.

/** Ways of ordering a submission; `dataset` is the file's own order. */
export type SubmitOrder = "dataset" | "group-round-robin";

/**
 * Dataset indices in round-robin order across groups: groups in order of first appearance, each group's items in
 * dataset order; items without a group each count as their own group. Linear in the number of items.
 */
export function roundRobinOrder(groups: readonly (string | undefined)[]): number[] {
  const byGroup = new Map<string, number[]>();
  const lists: number[][] = [];
  groups.forEach((g, i) => {
    if (g === undefined) return void lists.push([i]);
    let list = byGroup.get(g);
    if (!list) {
      list = [];
      byGroup.set(g, list);
      lists.push(list);
    }
    list.push(i);
  });
  const order: number[] = [];
  let active = lists;
  for (let round = 0; active.length > 0; round++) {
    for (const list of active) order.push(list[round]!);
    active = active.filter((list) => list.length > round + 1);
  }
  return order;
}

/** The submission order of a dataset's items: position p submits item `order[p]`. */
export function submitOrder(kind: SubmitOrder, groups: readonly (string | undefined)[]): number[] {
  return kind === "group-round-robin" ? roundRobinOrder(groups) : groups.map((_, i) => i);
}
