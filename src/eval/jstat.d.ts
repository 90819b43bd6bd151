// jStat ships no types; these are the distributions the eval statistics use.
declare module 'jstat' {
  const jStat: {
    normal: {
      cdf(x: number, mean: number, std: number): number;
      inv(p: number, mean: number, std: number): number;
    };
    studentt: { cdf(x: number, dof: number): number; inv(p: number, dof: number): number };
    binomial: { cdf(k: number, n: number, p: number): number };
  };
  export default jStat;
}
