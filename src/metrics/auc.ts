/**
 * ROC AUC, exact, from ranks (the Mann-Whitney U statistic; sklearn's roc_auc_score): the
 * probability that a random positive scores above a random negative, ties counting half.
 * Tied scores share their average rank. NaN when a score is NaN or when the labels hold a single class (undefined,
 * where sklearn raises).
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>, size: number): number {
  for (let i = 0; i < size; i++) if (Number.isNaN(scores[i])) return NaN;  // no order to rank (a diverged model)
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < size;) {
    let end = start + 1;
    while (end < size && scores[order[end]] === scores[order[start]]) end++;
    const rank = (start + 1 + end) / 2;  // ranks start+1 .. end, averaged over the tie
    for (let i = start; i < end; i++) {
      if (positive[order[i]]) {
        positives++;
        rankSum += rank;
      }
    }
    start = end;
  }
  const negatives = size - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
