"""What the CPU can do, as far as onnxruntime's kernels are concerned (Qt-free, no onnxruntime import).

onnxruntime (MLAS) picks its matrix kernels by CPUID at run time: AMX, AVX-512 with VNNI, AVX-VNNI,
AVX2 or NEON (with or without dot products). Floating-point kernels differ between them only in the
order of additions; integer kernels can differ more (without VNNI, x86 adds pairs of u8 x s8 products
in int16 with saturation). A bug report, ``main.py models verify`` and the About box say which path
this machine takes, and quantized.json records the paths its parity was measured on.

The features come from numpy's own CPUID probe (what a process really sees, masked CPUIDs
included), completed by /proc/cpuinfo for the flags numpy does not probe (AVX-VNNI, AMX).
"""
from __future__ import annotations

import functools
import platform
from dataclasses import dataclass
from pathlib import Path

FEATURES = ("AVX2", "FMA3", "AVX512F", "AVX512BW", "AVX512VNNI", "AVX_VNNI", "AMX_INT8", "NEON", "ASIMDDP", "I8MM")


@dataclass(frozen=True)
class CpuInfo:
    name: str  # "AMD EPYC 9R14" or the machine type
    machine: str  # "x86_64", "aarch64"
    features: frozenset[str]

    @property
    def integer_path(self) -> str:
        """The kernel family onnxruntime's int8 matrix products (MatMulInteger, MatMulNBits at
        accuracy level 4) take here: "amx", "avx512-vnni", "avx-vnni", "avx512", "avx2", "neon-dot",
        "neon" or "generic"."""
        f = self.features
        if "AMX_INT8" in f:
            return "amx"
        if "AVX512VNNI" in f and "AVX512BW" in f:
            return "avx512-vnni"
        if "AVX_VNNI" in f:
            return "avx-vnni"
        if "AVX512BW" in f:
            return "avx512"
        if "AVX2" in f:
            return "avx2"
        if "ASIMDDP" in f:
            return "neon-dot"
        if "NEON" in f:
            return "neon"
        return "generic"

    def line(self) -> str:
        """One line for a bug report: the CPU, its relevant features and the integer kernel path."""
        have = [n for n in FEATURES if n in self.features]
        return f"CPU: {self.name} ({self.machine}); {' '.join(have) or 'no SIMD features found'}; " \
               f"integer kernels: {self.integer_path}"


def _numpy_features() -> dict[str, bool]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy < 2
        try:
            from numpy.core._multiarray_umath import __cpu_features__
        except ImportError:
            return {}
    return dict(__cpu_features__)


def _proc_cpuinfo() -> tuple[str, set[str]]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", set()
    name, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and not name:
            name = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return name, flags


@functools.cache
def cpu_info() -> CpuInfo:
    """This process's CPU (cached: it does not change while the app runs)."""
    np_f = _numpy_features()
    name, flags = _proc_cpuinfo()
    have = {k for k in FEATURES if np_f.get(k)}
    if not np_f:  # numpy's probe unavailable: the kernel's flags
        for flag, feat in (("avx2", "AVX2"), ("fma", "FMA3"), ("avx512f", "AVX512F"), ("avx512bw", "AVX512BW"),
                           ("avx512_vnni", "AVX512VNNI"), ("asimd", "NEON"), ("asimddp", "ASIMDDP")):
            if flag in flags:
                have.add(feat)
    # numpy does not probe these; the kernel's flags (a masked CPUID cannot hide them, see models/cpu_mask)
    if "avx_vnni" in flags and "AVX2" in have:
        have.add("AVX_VNNI")
    if "amx_int8" in flags and "AVX512F" in have:
        have.add("AMX_INT8")
    if "i8mm" in flags:
        have.add("I8MM")
    return CpuInfo(name=name or platform.processor() or platform.machine(), machine=platform.machine(),
                   features=frozenset(have))
