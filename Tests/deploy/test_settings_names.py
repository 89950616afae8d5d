"""Every CALLGATE_ variable that deploy/ sets is a setting of `callgate serve` (its table, as
`serve --settings-markdown` prints it), so a typo cannot leave a setting silently at its default."""

import re

from support import DEPLOY, run

def declared() -> set[str]:
    table = run(["serve", "--settings-markdown"])
    assert table.returncode == 0, table.stderr
    names = set(re.findall(r"`(CALLGATE_[A-Z0-9_]+)`", table.stdout))
    assert "CALLGATE_UPSTREAM_URL" in names and "CALLGATE_UPSTREAM_PASSWORD_FILE" in names
    return names


def test_every_variable_deploy_sets_is_a_setting():
    names = declared()
    used = {}
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            for name in re.findall(r"\b(CALLGATE_[A-Z0-9_]*[A-Z0-9])\b", path.read_text(errors="replace")):
                used.setdefault(name, set()).add(str(path.relative_to(DEPLOY)))
    unknown = {name: sorted(paths) for name, paths in used.items() if name not in names}
    assert unknown == {}
    assert len(used) > 20
