"""Target setting: cycles, school target plans and their guardrails, baselines and results, the
principal's form and the regional review."""
