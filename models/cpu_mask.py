"""Run a command as if on an AVX2-only x86-64 CPU (no AVX-512, VNNI, AVX-VNNI or AMX), on a machine that has them.

onnxruntime (MLAS), numpy and OpenBLAS choose their kernels by CPUID, and nothing in them can be told to
choose another. Linux can make the CPUID instruction fault instead (``arch_prctl(ARCH_SET_CPUID, 0)``,
"CPUID faulting", flag ``cpuid_fault`` in /proc/cpuinfo: Intel since Ivy Bridge, AMD Zen 4 and later,
and most VMs on them). A small preloaded library turns that on at start, answers each CPUID from a
SIGSEGV handler with the real values minus the AVX-512, VNNI and AMX bits, and resumes. The process
then runs the kernels an AVX2 machine (most AMD CPUs before Zen 4, Intel before Ice Lake) runs: the
build measures the 4-bit model's parity on that path too, and tests put the exact search through it.

Limits: /proc/cpuinfo still lists the real flags (core.cpu reads numpy's CPUID probe first, so it sees
the masked CPU). A program's own SIGSEGV handler (Python's faulthandler, LLVM inside Mesa) is kept
aside by an interposed ``sigaction`` and called for real faults, so the mask stays. Build-side only:
the app never loads it.
"""
from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <cpuid.h>
#define ARCH_SET_CPUID 0x1012

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
static struct sigaction next_handler;  /* the program's own SIGSEGV handler, called for real faults */
static int have_next = 0;

static void faulting(int on) { syscall(SYS_arch_prctl, ARCH_SET_CPUID, on ? 0 : 1); }

static void on_segv(int sig, siginfo_t *info, void *ctx_) {
    ucontext_t *ctx = ctx_;
    greg_t *r = ctx->uc_mcontext.gregs;
    const unsigned char *ip = (const unsigned char *)r[REG_RIP];
    unsigned leaf, sub, a, b, c, d;
    if (!(ip[0] == 0x0f && ip[1] == 0xa2)) {  /* not CPUID: a real fault, for the program's handler */
        if (have_next && (next_handler.sa_flags & SA_SIGINFO) && next_handler.sa_sigaction) {
            next_handler.sa_sigaction(sig, info, ctx_);
            return;
        }
        if (have_next && next_handler.sa_handler != SIG_DFL && next_handler.sa_handler != SIG_IGN) {
            next_handler.sa_handler(sig);
            return;
        }
        signal(SIGSEGV, SIG_DFL);
        return;
    }
    leaf = (unsigned)r[REG_RAX]; sub = (unsigned)r[REG_RCX];
    faulting(0);
    __cpuid_count(leaf, sub, a, b, c, d);
    faulting(1);
    if (leaf == 7 && sub == 0) {
        /* EBX: AVX512F DQ IFMA PF ER CD BW VL */
        b &= ~((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31));
        /* ECX: AVX512_VBMI VBMI2 VNNI BITALG VPOPCNTDQ */
        c &= ~((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14));
        /* EDX: 4VNNIW 4FMAPS VP2INTERSECT AMX_BF16 AVX512_FP16 AMX_TILE AMX_INT8 */
        d &= ~((1u << 2) | (1u << 3) | (1u << 8) | (1u << 22) | (1u << 23) | (1u << 24) | (1u << 25));
    } else if (leaf == 7 && sub == 1) {
        a &= ~((1u << 4) | (1u << 5) | (1u << 21) | (1u << 23));  /* AVX_VNNI AVX512_BF16 AMX_FP16 AVX_IFMA */
        d &= ~((1u << 4) | (1u << 5) | (1u << 10));  /* AVX_VNNI_INT8 AVX_NE_CONVERT AVX_VNNI_INT16 */
    } else if (leaf == 0xd && sub == 0) {
        a &= ~0xe0u;  /* XCR0 bits for the AVX-512 state: not offered */
    }
    r[REG_RAX] = a; r[REG_RBX] = b; r[REG_RCX] = c; r[REG_RDX] = d;
    r[REG_RIP] += 2;
}

/* A program that installs its own SIGSEGV handler (Python's faulthandler, LLVM in Mesa) keeps the mask:
   its handler is remembered and called for real faults, ours stays installed. */
int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
    static sigaction_fn real = 0;
    if (!real) real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
    if (sig != SIGSEGV || !have_next)
        return real(sig, act, old);
    if (old) *old = next_handler;
    if (act) next_handler = *act;
    return 0;
}

__attribute__((constructor)) static void start(void) {
    struct sigaction sa;
    sigaction_fn real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    memset(&next_handler, 0, sizeof next_handler);
    next_handler.sa_handler = SIG_DFL;
    real(SIGSEGV, &sa, 0);
    have_next = 1;
    faulting(1);
}
"""

PATH_NAME = "avx2"  # core.cpu.CpuInfo.integer_path of a masked process


def unavailable() -> str | None:
    """Why a masked run cannot happen here, or None when it can."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return f"CPUID masking needs Linux on x86-64 (this is {platform.system()} {platform.machine()})"
    try:
        flags = next((ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")), "")
    except OSError:
        flags = ""
    if "cpuid_fault" not in flags.split():
        return "this CPU or VM offers no CPUID faulting (cpuid_fault in /proc/cpuinfo)"
    if not (shutil.which("cc") or shutil.which("gcc")):
        return "no C compiler (cc) to build the CPUID mask"
    return None


def library() -> Path:
    """The compiled mask (built once per source text, in the temporary folder)."""
    why = unavailable()
    if why:
        raise RuntimeError(why)
    key = hashlib.sha256(SOURCE.encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / "ee-cpu-mask"
    lib = folder / f"avx2_only-{key}.so"
    if lib.is_file():
        return lib
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / f"avx2_only-{key}.c"
    src.write_text(SOURCE, encoding="utf-8")
    tmp = folder / f".{lib.name}.{os.getpid()}"
    cc = shutil.which("cc") or shutil.which("gcc")
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(tmp), str(src), "-ldl"], check=True, capture_output=True)
    os.replace(tmp, lib)
    return lib


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the mask preloaded."""
    env = dict(os.environ if base is None else base)
    pre = env.get("LD_PRELOAD", "")
    env["LD_PRELOAD"] = f"{library()}{':' + pre if pre else ''}"
    return env
