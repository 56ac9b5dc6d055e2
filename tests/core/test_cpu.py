"""What the CPU can do (core.cpu) and what a 4-bit record's parity means on it (checked_here)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cpu import CpuInfo, cpu_info
from core.inference.q4_files import checked_here, unfaithful_reason

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("features, path", [
    ({"AVX2", "FMA3"}, "avx2"),
    ({"AVX2", "AVX512F", "AVX512BW"}, "avx512"),
    ({"AVX2", "AVX512F", "AVX512BW", "AVX512VNNI"}, "avx512-vnni"),
    ({"AVX2", "AVX_VNNI"}, "avx-vnni"),
    ({"AVX2", "AVX512F", "AVX512BW", "AVX512VNNI", "AMX_INT8"}, "amx"),
    ({"NEON", "ASIMDDP"}, "neon-dot"),
    ({"NEON"}, "neon"),
    (set(), "generic"),
])
def test_the_integer_kernel_path_follows_the_features(features, path):
    info = CpuInfo("test CPU", "x86_64", frozenset(features))
    assert info.integer_path == path
    assert info.line().startswith("CPU: test CPU (x86_64); ") and info.line().endswith(f"integer kernels: {path}")


def test_this_cpu_is_described():
    info = cpu_info()
    assert info.name and info.machine
    assert info.integer_path in info.line()


def record(arithmetic: str, paths: list[str]) -> dict:
    return {"recipe": {"arithmetic": arithmetic}, "faithful": True,
            "measured_on": [{"integer_path": p} for p in paths]}


def test_fp32_arithmetic_holds_everywhere_int8_only_where_measured():
    here = cpu_info().integer_path
    assert checked_here(record("fp32", []))
    assert checked_here(record("int8", [here]))
    assert not checked_here(record("int8", ["some-other-path"]))
    assert not checked_here({"faithful": True})  # an old record (no arithmetic, no paths): not checked here


def test_an_int8_file_measured_elsewhere_says_why_auto_uses_fp32(tmp_path):
    (tmp_path / "quantized.json").write_text(json.dumps({"q4": record("int8", ["elsewhere"])}))
    why = unfaithful_reason(tmp_path)
    assert "checked on elsewhere" in why and cpu_info().integer_path in why and why.count("\n") == 0


def test_a_masked_process_sees_an_avx2_cpu():
    from models import cpu_mask

    why = cpu_mask.unavailable()
    if why:
        pytest.skip(why)
    code = "import sys; sys.path.insert(0, sys.argv[1]); from core.cpu import cpu_info; print(cpu_info().integer_path)"
    run = subprocess.run([sys.executable, "-c", code, str(ROOT)], env=cpu_mask.environment(), capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "avx2"
