"""The docs stay true: every setting and every field is documented; CI runs the README's command."""

from pathlib import Path

import settings
from etl.mapping import FIELDS
from reference.taxonomy import chain_nodes

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented():
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines()
            if line.startswith("| `")}
    for s in settings.SETTINGS:
        row = rows[f"`{s.name}`"]
        assert f"`{s.env}`" in row and f"| {s.accepts()} |" in row and s.help in row, s.name


def test_every_field_is_documented():
    text = (ROOT / "docs" / "loading-data.md").read_text(encoding="utf-8")
    for kind, fields in FIELDS.items():
        assert f"### {kind}" in text
        for f in fields:
            assert f"| {f.name} |" in text or f"| **{f.name}** |" in text, (kind, f.name)


def test_every_chain_node_is_documented():
    text = (ROOT / "docs" / "taxonomy.md").read_text(encoding="utf-8")
    for r in chain_nodes().itertuples():
        assert f"| {r.node_id} | {r.name_zh} |" in text


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```")[0].strip() for b in readme.split("```bash\n")[1:3]]
    run_cmd, test_cmd = blocks
    assert "streamlit run dashboard.py" in run_cmd
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == test_cmd


def test_settings_env_override(monkeypatch):
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", "10")
    assert settings.get("small_cell_k") == 10
    monkeypatch.delenv("TALENTMAP_SMALL_CELL_K")
    assert settings.get("small_cell_k") == 5
