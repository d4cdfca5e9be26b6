// Lint waivers: `panel + lint.waive('panel-unit', 'why this panel has none')` silences one rule
// on that one panel. The reason is required (the lint refuses a waiver without one) and is shown
// in the lint summary. `lintWaivers` is not a Grafana field: the build strips it from the JSON.
{
  waive(rule, reason):: { lintWaivers+: { [rule]: reason } },
}
