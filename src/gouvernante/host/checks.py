"""Run every host indicator of the loaded rules for the current OS."""

from __future__ import annotations

from collections.abc import Sequence

from gouvernante.host.context import HostContext
from gouvernante.host.files import check_file_indicator
from gouvernante.model import CheckOutcome, Finding, HostCheck
from gouvernante.rules.model import IndicatorType, Rule


def run_indicator_checks(
    rules: Sequence[Rule], ctx: HostContext, project_dirs: Sequence[str]
) -> tuple[list[Finding], list[HostCheck]]:
    findings: list[Finding] = []
    checks: list[HostCheck] = []
    for rule in rules:
        for ind in rule.host_indicators:
            if ind.type is IndicatorType.FILE:
                outcome = check_file_indicator(rule, ind, ctx, project_dirs)
                findings.extend(outcome.findings)
                checks.append(outcome.check)
            else:
                checks.append(
                    HostCheck(
                        rule.id,
                        ind.describe(),
                        ind.type.value,
                        CheckOutcome.SKIPPED,
                        f"{ind.type.value} indicators are not supported yet",
                    )
                )
    return findings, checks
