"""`xsim report RUN_DIR` and `xsim run --no-pdf`: exit codes and messages."""

from __future__ import annotations

import shutil

from tests.reports.conftest import page_texts, run_cli, write_scenario


def test_report_rerenders_a_saved_run_into_its_folder(small_run, tmp_path):
    run = tmp_path / "copy"
    shutil.copytree(small_run, run)
    (run / "report.pdf").unlink()
    result = run_cli("report", run)
    assert result.exit_code == 0, result.output
    # the same report as `xsim run` rendered (the title page names the folder, which differs)
    assert page_texts(run / "report.pdf")[1:] == page_texts(small_run / "report.pdf")[1:]


def test_report_on_a_missing_folder_exits_2(tmp_path):
    missing = tmp_path / "nope"
    result = run_cli("report", missing)
    assert result.exit_code == 2
    assert str(missing) in result.output
    assert "Traceback" not in result.output


def test_report_on_an_incomplete_folder_names_the_missing_files(small_run, tmp_path):
    run = tmp_path / "half"
    shutil.copytree(small_run, run)
    (run / "users.parquet").unlink()
    (run / "effects.json").unlink()
    result = run_cli("report", run)
    assert result.exit_code == 2
    assert "users.parquet" in result.output and "effects.json" in result.output
    assert str(run) in result.output


def test_report_on_an_unreadable_file_exits_2(small_run, tmp_path):
    run = tmp_path / "broken"
    shutil.copytree(small_run, run)
    (run / "effects.json").write_text("{not json")
    result = run_cli("report", run)
    assert result.exit_code == 2
    assert "effects.json: unreadable" in result.output


def test_report_refuses_a_scenario_yaml_with_a_duplicate_key(small_run, tmp_path):
    run = tmp_path / "edited"
    shutil.copytree(small_run, run)
    scenario = run / "scenario.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8") + "name: other\n", encoding="utf-8")
    result = run_cli("report", run)
    assert result.exit_code == 2, result.output
    assert "scenario.yaml: name: duplicate key" in result.output


def test_report_on_a_folder_without_a_manifest_exits_2(tmp_path):
    (tmp_path / "users.parquet").write_text("")
    result = run_cli("report", tmp_path)
    assert result.exit_code == 2
    assert "manifest.json" in result.output


def test_run_no_pdf_skips_the_report(tmp_path):
    scenario = write_scenario(
        tmp_path,
        **{"population.n_users": 400, "experiment.duration_days": 10, "analysis.truth": False},
    )
    out = tmp_path / "run"
    result = run_cli("run", scenario, "--out", out, "-q", "--no-pdf")
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file()
    assert not (out / "report.pdf").exists()


def test_a_failed_report_keeps_the_finished_run(tmp_path, monkeypatch):
    import xsim.reports.pdf

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(xsim.reports.pdf, "render_run_report", broken)
    scenario = write_scenario(
        tmp_path,
        **{"population.n_users": 400, "experiment.duration_days": 10, "analysis.truth": False},
    )
    out = tmp_path / "runs" / "run"
    result = run_cli("run", scenario, "--out", out, "-q")
    assert result.exit_code == 1, result.output
    tables = ("manifest.json", "users.parquet", "events.parquet", "effects.csv", "summary.csv")
    assert all((out / name).is_file() for name in tables)
    assert not (out / "report.pdf").exists()
    failed = [line for line in result.output.splitlines() if "report failed" in line]
    assert len(failed) == 1 and "renderer crashed" in failed[0]
    assert f"xsim report {out}" in failed[0]
    assert [p.name for p in out.parent.iterdir()] == ["run"]  # no staging folder left
    assert "Traceback" not in result.output


def test_report_names_a_result_file_that_is_not_its_type(small_run, tmp_path):
    """objective.json and decision.json are read into their result types: a document of
    another shape is refused with the file and the missing field, not drawn half-way."""
    run = tmp_path / "loose"
    shutil.copytree(small_run, run)
    (run / "objective.json").write_text('{"arms": {"control": {"P": 1, "F": 1, "M": 1}}}')
    (run / "decision.json").write_text('{"statement": "roll out"}')
    result = run_cli("report", run)
    assert result.exit_code == 2, result.output
    assert "objective.json: not an objective result" in result.output
    assert "decision.json: not a decision (missing field 'arms')" in result.output
