// Types for `parse-prometheus-text-format` 1.1.1 (a CommonJS module that ships none): the shape of what it returns.
declare module 'parse-prometheus-text-format' {
  namespace parsePrometheusTextFormat {
    /** One sample line (or, for histograms and summaries, one flattened series). Every number stays a string. */
    interface PrometheusSample {
      readonly value?: string;
      readonly labels?: Readonly<Record<string, string>>;
      readonly timestamp_ms?: string;
      /** Histograms only: cumulative count per `le` bound (`'+Inf'` included). */
      readonly buckets?: Readonly<Record<string, string>>;
      /** Summaries only. */
      readonly quantiles?: Readonly<Record<string, string>>;
      readonly count?: string;
      readonly sum?: string;
    }

    interface PrometheusFamily {
      readonly name: string;
      readonly help: string;
      /** The `# TYPE` upper-cased (`COUNTER`, `GAUGE`, `HISTOGRAM`, `SUMMARY`), `UNTYPED` when absent. */
      readonly type: string;
      readonly metrics: readonly PrometheusSample[];
    }
  }

  /** Throws `InvalidLineError` on a malformed line. */
  function parsePrometheusTextFormat(text: string): parsePrometheusTextFormat.PrometheusFamily[];

  export = parsePrometheusTextFormat;
}
