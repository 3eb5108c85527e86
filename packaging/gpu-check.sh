#!/usr/bin/env bash
# The first run of Circuit Workbench on a GPU machine that has no network, no Java and no DJL
# CUDA build, but a Python torch with CUDA (e.g. torch 2.11.0+cu130), CMake, ninja and a C++
# compiler. From the repository root, with the bundle that packaging/gpu-bundle.sh made in .gpu/:
#
#   packaging/gpu-check.sh              # on the GPU machine; results under $OUT
#   packaging/gpu-check.sh --cpu-dry-run  # here: the same steps on the CPU (no JNI build)
#
# Steps: unpack the Java runtime and the app's jars; build DJL 0.36's PyTorch JNI against the
# machine's torch; point DJL at that torch through its own variables (PYTORCH_LIBRARY_PATH,
# PYTORCH_VERSION, PYTORCH_FLAVOR: the app sees them and leaves the natives alone); run the
# fixtures' scores, prunes, importance and edge checks on the GPU against expected.json; then
# time the fast evaluator and the edge prune, sequential against batched. Every step has its own
# timeout and the whole run stays under BUDGET seconds (default 480). At most 8 files land in $OUT:
# progress.log, probe.json, jni-build.log, cli.log, fixtures.json, bench.json, summary.json.
set -uo pipefail

DRY=0
[ "${1:-}" = "--cpu-dry-run" ] && DRY=1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/.gpu"
OUT="${OUT:-$ROOT/target/gpu-check-out}"
W="${GPU_CHECK_WORK:-/tmp/cbgpu}"
BUDGET="${GPU_CHECK_BUDGET:-480}"
JOBS="${GPU_CHECK_JOBS:-6}"
export CMD_TIMEOUT="${GPU_CHECK_CMD_TIMEOUT:-240}"  # each fixture command
export CASES="${GPU_CHECK_CASES:-digits months}"        # which fixture cases (a dry run on a slow CPU may take months alone)
mkdir -p "$OUT"
: > "$OUT/progress.log"
T0=$(date +%s)

log() { printf '[%s +%3ds] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - T0 ))" "$*" | tee -a "$OUT/progress.log"; }
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
# summary.json is rewritten after every stage, so a run cut short still says how far it got
STAGES=()
stage() { STAGES+=("\"$1\": \"$2\""); write_summary; }
write_summary() {
  local IFS=,
  printf '{"mode": "%s", "elapsed_s": %d, "stages": {%s}}\n' "$([ $DRY = 1 ] && echo cpu-dry-run || echo gpu)" \
    "$(( $(date +%s) - T0 ))" "${STAGES[*]:-}" > "$OUT/summary.json"
}
finish() {
  write_summary
  if [ -f "$W/gpu-check.py" ] && command -v python3 >/dev/null; then
    python3 "$W/gpu-check.py" summary "$OUT" || true
  fi
  log "done: $1"
  exit "${2:-0}"
}

# ---- 1. unpack ------------------------------------------------------------------------------
log "mode $([ $DRY = 1 ] && echo 'cpu dry run' || echo gpu); bundle $BUNDLE; work $W; out $OUT; budget ${BUDGET}s"
for f in jre.tar.xz app.tar.xz djl-jni.tar.xz; do
  [ -f "$BUNDLE/$f" ] || { log "FAIL: $BUNDLE/$f is missing (make it with packaging/gpu-bundle.sh)"; stage unpack "missing $f"; exit 2; }
done
rm -rf "$W" && mkdir -p "$W/home" "$W/res" "$W/jobs" "$W/djl-cache" "$W/jna"
for f in jre app djl-jni; do
  if command -v xz >/dev/null; then
    timeout 180 tar -xJf "$BUNDLE/$f.tar.xz" -C "$W"
  else  # no xz binary: Python's lzma
    timeout 180 python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$BUNDLE/$f.tar.xz" "$W"
  fi || { log "FAIL: unpacking $f.tar.xz"; stage unpack "failed on $f"; exit 2; }
done
# the Python half of this script (plans and checks the runs) is at its end, after #__PYTHON__
sed -n '/^#__PYTHON__$/,/^PYTHON$/p' "${BASH_SOURCE[0]}" | sed '1d;$d' > "$W/gpu-check.py"
cp "$ROOT/packaging/djl-jni/CMakeLists.txt" "$W/djl-jni/"
"$W/jre/bin/java" -version > "$W/java-version.txt" 2>&1 || { log "FAIL: the bundled Java does not start: $(head -1 "$W/java-version.txt")"; stage unpack "java does not start"; exit 2; }
log "unpacked: $(head -1 "$W/java-version.txt"); app $(cat "$W/app/VERSION" 2>/dev/null)"
stage unpack ok

# ---- 2. probe the machine's torch ------------------------------------------------------------
if [ $DRY = 0 ]; then
  log "probe: nvidia-smi and python3's torch (CUDA init and one matmul)"
  { nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2; } > "$W/nvidia-smi.txt"
  timeout 120 python3 - "$W/nvidia-smi.txt" > "$OUT/probe.json" 2> "$W/probe.err" <<'PY'
import glob, json, os, re, sys
r = {"nvidia_smi": open(sys.argv[1]).read().strip()}
import torch
r["torch"] = torch.__version__
r["torch_dir"] = os.path.dirname(torch.__file__)
r["cuda"] = torch.version.cuda
r["cxx11_abi"] = int(torch._C._GLIBCXX_USE_CXX11_ABI)
r["cmake_prefix_path"] = torch.utils.cmake_prefix_path
r["cuda_available"] = torch.cuda.is_available()
if r["cuda_available"]:
    r["gpu"] = torch.cuda.get_device_name(0)
    a = torch.randn(512, 512, device="cuda")
    r["matmul_check"] = float((a @ a).sum().item())
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if ".so" in l and l.split()[-1].startswith("/")})
r["loaded"] = [l for l in libs if "/site-packages/" in l or "/dist-packages/" in l]
# DJL counts GPUs through JNA's "cudart": the one torch loaded, else any on the machine
r["cudart"] = next((l for l in r["loaded"] if re.search(r"/libcudart\.so", l)), None) or next(iter(sorted(
    glob.glob(os.path.join(os.path.dirname(r["torch_dir"]), "nvidia", "**", "libcudart.so*"), recursive=True)
    + glob.glob("/usr/local/cuda*/lib64/libcudart.so*"))), None)
lib = os.path.join(r["torch_dir"], "lib")
# DJL loads every library in PYTORCH_LIBRARY_PATH; leave out those torch itself did not load
# (DJL loads its own list of torch's core libraries regardless)
r["exclude"] = sorted(f for f in os.listdir(lib) if re.fullmatch(r".*\.so(\.\d+)*", f) and os.path.join(lib, f) not in libs)
sp = os.path.dirname(r["torch_dir"])
dirs = [lib] + sorted({os.path.dirname(p) for p in glob.glob(os.path.join(sp, "nvidia", "**", "lib*.so*"), recursive=True)})
r["ld_library_path"] = ":".join(dict.fromkeys(dirs))
print(json.dumps(r, indent=1))
PY
  rc=$?
  if [ $rc != 0 ]; then log "FAIL: the torch probe failed (rc $rc): $(tail -3 "$W/probe.err" | tr '\n' ' ')"; cp "$W/probe.err" "$OUT/jni-build.log"; stage probe "failed rc $rc"; finish "probe failed" 3; fi
  eval "$(python3 - "$OUT/probe.json" <<'PY'
import json, shlex, sys
r = json.load(open(sys.argv[1]))
v = r["torch"].split("+")[0]
flavor = "cu" + r["cuda"].replace(".", "") if r.get("cuda") else "cpu"
for k, val in {"TORCH_DIR": r["torch_dir"], "TORCH_VERSION": v, "TORCH_FLAVOR": flavor, "CXX11_ABI": r["cxx11_abi"],
               "CUDART": r.get("cudart") or "", "EXCLUDE": ",".join(r["exclude"]), "LIBDIRS": r["ld_library_path"],
               "CUDA_OK": int(bool(r["cuda_available"])), "GPU_NAME": r.get("gpu", "none")}.items():
    print(f"{k}={shlex.quote(str(val))}")
PY
)"
  log "probe: torch $TORCH_VERSION ($TORCH_FLAVOR, cxx11 abi $CXX11_ABI) in $TORCH_DIR; GPU: $GPU_NAME; cudart ${CUDART:-not loaded}"
  [ "$CUDA_OK" = 1 ] || { log "FAIL: python's torch sees no GPU; nothing to check"; stage probe "no gpu"; finish "no gpu" 3; }
  stage probe ok
  DEV=gpu
else
  log "probe: dry run: PyTorch 2.7.1's CPU libraries and DJL's own CPU JNI from the local Maven repository"
  NJAR=$(ls "$ROOT"/target/lib/pytorch-native-cpu-*.jar ~/.m2/repository/ai/djl/pytorch/pytorch-native-cpu/*/pytorch-native-cpu-*-linux-x86_64.jar 2>/dev/null | head -1)
  JJAR=$(ls ~/.m2/repository/ai/djl/pytorch/pytorch-jni/*/pytorch-jni-*.jar 2>/dev/null | head -1)
  [ -n "$NJAR" ] && [ -n "$JJAR" ] || { log "FAIL: no pytorch-native-cpu / pytorch-jni jar for the dry run"; stage probe "no cpu natives"; exit 2; }
  mkdir -p "$W/x" "$W/libtorch-cpu/lib"
  (cd "$W/x" && unzip -q -o "$NJAR" 'pytorch/cpu/linux-x86_64/*' && unzip -q -o "$JJAR" 'jnilib/linux-x86_64/cpu/libdjl_torch.so')
  mv "$W"/x/pytorch/cpu/linux-x86_64/* "$W/libtorch-cpu/lib/"
  TORCH_DIR="$W/libtorch-cpu"; TORCH_VERSION=2.7.1; TORCH_FLAVOR=cpu; CUDART=""; EXCLUDE=""; LIBDIRS="$TORCH_DIR/lib"; GPU_NAME=none
  printf '{"dry_run": true, "torch_dir": "%s", "torch": "%s", "java": "%s"}\n' "$TORCH_DIR" "$TORCH_VERSION" "$(head -1 "$W/java-version.txt")" > "$OUT/probe.json"
  stage probe ok
  DEV=cpu
fi

# ---- 3. build DJL's JNI against this torch ----------------------------------------------------
export PATH="$PATH:$(dirname "$(command -v python3)")"  # a venv's cmake and ninja
CMAKE=$(command -v cmake || true); NINJA=$(command -v ninja || true)
budget_for() { local t=$(( $(left) - $1 )); echo $(( t > 10 ? t : 10 )); }
build_jni() { # TORCH_DIR CXX_STANDARD -> $W/libdjl_torch.so
  local T=$1 B="$W/djl-jni/build-$2"
  { echo "== C++$2 against $T with ${CMAKE:-g++ (no cmake)}${NINJA:+ and ninja}; $(g++ --version | head -1)"; } >> "$OUT/jni-build.log"
  rm -rf "$B"
  if [ -n "$CMAKE" ]; then
    timeout "$(budget_for 60)" bash -c "
      '$CMAKE' -S '$W/djl-jni' -B '$B' ${NINJA:+-G Ninja} -DCMAKE_BUILD_TYPE=Release -DTORCH_DIR='$T' \
        -DDJL_CXX_STANDARD=$2 -DDJL_CXX11_ABI=$CXX11_ABI && '$CMAKE' --build '$B' -j $(nproc)" >> "$OUT/jni-build.log" 2>&1 \
      && cp "$B/libdjl_torch.so" "$W/libdjl_torch.so"
    return
  fi
  # no CMake: the same compile by hand, one g++ per source file in parallel
  mkdir -p "$B"
  local I="-I$W/djl-jni/include -I$W/djl-jni/jdk/include -I$W/djl-jni/jdk/include/linux -I$T/include -I$T/include/torch/csrc/api/include"
  ls "$W"/djl-jni/native/*.cc | timeout "$(budget_for 60)" xargs -P "$(nproc)" -I{} sh -c \
    "g++ -std=c++$2 -O2 -w -fPIC -D_GLIBCXX_USE_CXX11_ABI=$CXX11_ABI $I -c {} -o $B/\$(basename {} .cc).o" >> "$OUT/jni-build.log" 2>&1 || return 1
  g++ -shared -Wl,--no-undefined -o "$W/libdjl_torch.so" "$B"/*.o -L"$T/lib" -Wl,-rpath,"$T/lib" -ltorch -ltorch_cpu -lc10 -pthread >> "$OUT/jni-build.log" 2>&1
}
jni_build() { # TORCH_DIR: C++17 as DJL builds, then C++20 if this torch's headers demand it
  log "jni: building libdjl_torch.so (DJL 0.36.0's sources) against $1 on $(nproc) cores; log in jni-build.log"
  if build_jni "$1" 17; then
    log "jni: built with C++17"
  elif grep -q 'C++20 or later' "$OUT/jni-build.log" && build_jni "$1" 20; then
    log "jni: built with C++20 (this torch's headers demand it)"
  else
    log "FAIL: the JNI did not build. First errors:"
    grep -m 12 -E 'error|Error' "$OUT/jni-build.log" | cut -c1-300 | tee -a "$OUT/progress.log"
    return 1
  fi
}
JNI_DIR="$W/djl-cache/pytorch/$TORCH_VERSION-$TORCH_FLAVOR-linux-x86_64"
mkdir -p "$JNI_DIR"
: > "$OUT/jni-build.log"
if [ $DRY = 0 ]; then
  jni_build "$TORCH_DIR" || { stage jni_build failed; finish "JNI build failed; see jni-build.log" 4; }
  cp "$W/libdjl_torch.so" "$JNI_DIR/0.36.0-libdjl_torch.so"
  { echo "== ldd"; ldd "$JNI_DIR/0.36.0-libdjl_torch.so"; } >> "$OUT/jni-build.log" 2>&1
  stage jni_build ok
else
  # GPU_CHECK_BUILD_AGAINST=DIR (a folder with include/ and lib/ of some libtorch) tries the build
  # step here; the dry run itself uses DJL's own JNI for the CPU build of 2.7.1
  if [ -n "${GPU_CHECK_BUILD_AGAINST:-}" ]; then
    CXX11_ABI=1
    if jni_build "$GPU_CHECK_BUILD_AGAINST"; then stage jni_build "built against $GPU_CHECK_BUILD_AGAINST (not used)"; else stage jni_build "failed against $GPU_CHECK_BUILD_AGAINST"; fi
    [ "${GPU_CHECK_BUILD_ONLY:-0}" = 1 ] && finish "build tried (GPU_CHECK_BUILD_ONLY)" 0
  else
    stage jni_build "skipped (dry run)"
  fi
  cp "$W/x/jnilib/linux-x86_64/cpu/libdjl_torch.so" "$JNI_DIR/0.36.0-libdjl_torch.so"
  echo "dry run: DJL's own libdjl_torch.so for PyTorch 2.7.1 (CPU) is used" >> "$OUT/jni-build.log"
fi

# ---- 4. the environment: DJL's own variables, so the app leaves the natives alone -------------
if [ -n "$CUDART" ]; then ln -sf "$CUDART" "$W/jna/libcudart.so"; fi  # DJL's CudaUtils asks JNA for "cudart"
cat > "$W/env.sh" <<EOF
export PYTORCH_LIBRARY_PATH='$TORCH_DIR/lib' PYTORCH_VERSION='$TORCH_VERSION' PYTORCH_FLAVOR='$TORCH_FLAVOR'
export PYTORCH_LIBRARY_EXCLUSION='$EXCLUDE'
export ENGINE_CACHE_DIR='$W/djl-cache' DJL_CACHE_DIR='$W/djl-cache' RUST_FLAVOR=cpu
export LD_LIBRARY_PATH='$LIBDIRS'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export CIRCUITBENCH_DEBUG=1
JOPTS="-Xmx24g --enable-native-access=ALL-UNNAMED -Duser.home=$W/home -Dai.djl.offline=true -Djna.library.path=$W/jna -Dcircuitbench.home=$ROOT"
# cb SECONDS NAME ARGS...: one CLI command; stdout (its JSON) to res/NAME.json, stderr to res/NAME.err.
# It never runs past \$CB_DEADLINE (epoch seconds) when that is set.
cb() {
  local t=\$1 n=\$2; shift 2
  local rem=\$(( \${CB_DEADLINE:-9999999999} - \$(date +%s) ))
  [ \$rem -lt \$t ] && t=\$rem
  if [ \$t -le 2 ]; then echo "out of time: not run" > '$W/res/'\$n.err; echo "124 0" > '$W/res/'\$n.rc; return 124; fi
  local s=\$(date +%s%N)
  timeout -k 5 \$t '$W/jre/bin/java' \$JOPTS \${CB_EXTRA:-} -jar '$W/app/circuitbench.jar' "\$@" > '$W/res/'\$n.json 2> '$W/res/'\$n.err
  local rc=\$?
  echo "\$rc \$(( (\$(date +%s%N) - s) / 1000000 ))" > '$W/res/'\$n.rc
  return \$rc
}
EOF
# shellcheck disable=SC1091
. "$W/env.sh"
log "env: PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH PYTORCH_VERSION=$PYTORCH_VERSION PYTORCH_FLAVOR=$PYTORCH_FLAVOR; excluded: ${EXCLUDE:-none}"
clilog() { for n in "$@"; do { echo "===== $n (rc, ms: $(cat "$W/res/$n.rc" 2>/dev/null))"; cat "$W/res/$n.err" 2>/dev/null; } >> "$OUT/cli.log"; done; }

# ---- 5. smoke: the GPU status and one score ---------------------------------------------------
cd "$ROOT"
cb 60 gpu-status gpu; clilog gpu-status
# DJL's LibUtils says which natives it loads from where (in cli.log)
CB_EXTRA="-Dorg.slf4j.simpleLogger.log.ai.djl.pytorch.jni.LibUtils=debug" cb 120 smoke-score score --model samples/models/seqcont-tiny --task src/test/data/fixtures/digits-seqcont-tiny/task.json --device $DEV
rc=$?; clilog smoke-score
if [ $rc != 0 ]; then
  log "FAIL: the first score did not run (rc $rc):"; tail -5 "$W/res/smoke-score.err" | cut -c1-400 | tee -a "$OUT/progress.log"
  stage smoke "failed rc $rc"; finish "smoke failed; see cli.log" 5
fi
if grep -q 'Using the CPU' "$W/res/smoke-score.err"; then
  log "FAIL: the app fell back to the CPU: $(grep -m1 'Using the CPU' "$W/res/smoke-score.err")"; stage smoke "cpu fallback"; finish "the GPU was not used" 5
fi
log "smoke: score on $DEV = $(python3 -c "import json;print(json.load(open('$W/res/smoke-score.json'))['score'])" 2>/dev/null) in $(cut -d' ' -f2 "$W/res/smoke-score.rc") ms"
stage smoke ok

# ---- 6. fixtures on the device, against expected.json -----------------------------------------
python3 "$W/gpu-check.py" plan "$ROOT" "$W" "$DEV" || { stage fixtures "plan failed"; finish "fixture plan failed" 6; }
n=$(ls "$W/jobs" | wc -l)
log "fixtures: $n commands, $JOBS at a time (scores, logit differences, the four prunes, importance, edge scores, attribution, edge prunes)"
export CB_DEADLINE=$(( $(date +%s) + ( $(left) > 150 ? $(left) - 120 : 30 ) ))  # no fixture command runs past this
ls "$W"/jobs/*.sh | xargs -P "$JOBS" -n 1 bash
unset CB_DEADLINE
for j in "$W"/jobs/*.sh; do clilog "$(basename "$j" .sh)"; done
python3 "$W/gpu-check.py" check "$ROOT" "$W" "$DEV" > "$OUT/fixtures.json"
log "fixtures: $(python3 -c "import json;r=json.load(open('$OUT/fixtures.json'));print(r['verdict'])")"
python3 -c "import json;[print('   ', l) for l in json.load(open('$OUT/fixtures.json'))['lines']]" | tee -a "$OUT/progress.log"
stage fixtures "$(python3 -c "import json;print(json.load(open('$OUT/fixtures.json'))['verdict'])")"

# ---- 7. bench: sequential against batched -----------------------------------------------------
DIGITS=src/test/data/fixtures/digits-seqcont-tiny/task.json
if [ $DRY = 0 ]; then
  BIG="$W/gpt2-random-s3"; SAMPLE=24
  cb 180 make-model make-model --layers 12 --heads 12 --d-model 768 --seed 3 "$BIG"; clilog make-model
  MODELS="samples/models/seqcont-tiny $BIG"
else
  SAMPLE=4; MODELS="src/test/data/models/seqcont-4x4"; DIGITS=src/test/data/fixtures/words-months-seqcont-4x4/task.json
fi
: > "$W/bench.list"
for m in $MODELS; do
  for cfg in "1 1" "16 8" "32 16" "64 16"; do
    set -- $cfg
    [ "$(left)" -gt 60 ] || { log "bench: out of time; skipping the rest"; break 2; }
    name="bench-$(basename "$m")-b$1-s$2"
    log "bench: $(basename "$m"), batch $1, speculation $2 (prune, importance, toggle)"
    CB_EXTRA="-Dcircuitbench.maxBatch=$1" cb $(( $(left) < 150 ? $(left) - 20 : 150 )) "$name" bench --model "$m" --task "$DIGITS" --device $DEV \
      --parts prune,importance,toggle --method backward --threshold 3 --skip-seed-style --sample $SAMPLE --memory-evals 0 --speculation "$2"
    clilog "$name"; echo "$name $m $1 $2" >> "$W/bench.list"
  done
done
# the edge prune: edges.md's greedy pass, one candidate at a time against speculation 8, from the
# edges induced by the fixture's 'induced' node circuit (on the demo model its heads in layers 8-11,
# about a thousand edges, so that both runs end in time)
if [ $DRY = 0 ]; then EP=(digits samples/models/seqcont-tiny digits-seqcont-tiny 8); else EP=(months src/test/data/models/seqcont-4x4 words-months-seqcont-4x4 0); fi
EDGE_START="induced:$(python3 "$W/gpu-check.py" induced "$ROOT" "${EP[2]}" "${EP[3]}")"
for s in 1 8; do
  [ "$(left)" -gt 40 ] || { log "bench: out of time for the edge prune"; break; }
  log "bench: edge prune on ${EP[0]} from $EDGE_START, speculation $s"
  cb $(( $(left) < 100 ? $(left) - 15 : 100 )) "edgeprune-s$s" prune --model "${EP[1]}" --task "src/test/data/fixtures/${EP[2]}/task.json" \
    --device $DEV --level edges --threshold 3 --edges "$EDGE_START" --speculation $s
  clilog "edgeprune-s$s"
done
# what edges cost against nodes on this device (bench --parts edges), if time is left
if [ "$(left)" -gt 75 ]; then
  log "bench: --parts edges on ${EP[0]} (one pass, node and edge scores, attribution, edge prunes of at most 10 s)"
  cb $(( $(left) - 20 < 150 ? $(left) - 20 : 150 )) bench-edges bench --model "${EP[1]}" --task "src/test/data/fixtures/${EP[2]}/task.json" \
    --device $DEV --parts edges --edge-prune-seconds 10 --memory-evals 0
  clilog bench-edges
fi
python3 "$W/gpu-check.py" bench "$ROOT" "$W" "$DEV" > "$OUT/bench.json"
python3 -c "import json;[print('   ', l) for l in json.load(open('$OUT/bench.json'))['lines']]" | tee -a "$OUT/progress.log"
stage bench ok
finish "all stages ran" 0
exit 0  # never reached: finish exits. What follows is the Python half, in a heredoc that bash skips.
: <<'PYTHON'
#__PYTHON__
"""gpu-check.sh's Python half: plan the fixture commands, check their output, sum up the bench."""
import json, os, re, shlex, sys
from pathlib import Path

CASES = [c for c in [("digits", "digits-seqcont-tiny", "samples/models/seqcont-tiny"),
                     ("months", "words-months-seqcont-4x4", "src/test/data/models/seqcont-4x4")]
         if c[0] in os.environ.get("CASES", "digits months").split()]
FIX = "src/test/data/fixtures"
NEAR = 0.002  # the fixtures' near_threshold bound


def spec(circuit):
    return ",".join(circuit) if circuit else "none"


def load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def plan(root, w, dev):
    jobs = Path(w, "jobs")
    for short, case, model in CASES:
        exp = load(Path(root, FIX, case, "expected.json"))
        eexp = load(Path(root, FIX, case, "edges-expected.json"))
        base = ["--model", model, "--task", f"{FIX}/{case}/task.json", "--device", dev]
        cmds = {}
        for name, s in exp["scores"].items():
            cmds[f"{short}-score-{name}"] = ["score", *base, "--circuit", spec(s["circuit"])]
        for p in exp["prunes"]:
            cmds[f"{short}-prune-{p['method']}-T{p['threshold']:g}"] = ["prune", *base, "--method", p["method"], "--threshold", str(p["threshold"])]
        cmds[f"{short}-importance"] = ["importance", *base, "--circuit", spec(exp["importance"]["circuit"])]
        if eexp:
            for name, s in eexp["scores"].items():
                if "induced_from" in s:
                    arg = "induced:" + (s["induced_from"] or "none")
                else:
                    f = Path(w, "res", f"{short}-edges-{name}.list.json")
                    f.write_text(json.dumps(s["edges"]))
                    arg = "@" + str(f)
                cmds[f"{short}-escore-{name}"] = ["score", *base, "--edges", arg]
            cmds[f"{short}-attribute"] = ["attribute", *base]
            for i, p in enumerate(eexp.get("prunes", [])):
                cmds[f"{short}-eprune-T{p['threshold']:g}"] = ["prune", *base, "--level", "edges", "--threshold", str(p["threshold"]), "--edges", p["start"]]
        for name, argv in cmds.items():
            Path(jobs, name + ".sh").write_text(f". {shlex.quote(w)}/env.sh\ncd {shlex.quote(root)}\ncb {os.environ.get('CMD_TIMEOUT', '240')} {name} {' '.join(shlex.quote(a) for a in argv)}\n")


class Checks:
    def __init__(self):
        self.rows = []
        self.group = ""

    def add(self, what, ok, diff=None, detail="", allowed=False):
        self.rows.append({"group": self.group, "check": what, "status": "pass" if ok else ("allowed" if allowed else "fail"),
                          "max_diff": diff, "detail": detail})

    def close(self, what, want, got, tol):
        d = abs(want - got)
        self.add(what, d <= tol, d, "" if d <= tol else f"want {want}, got {got}, tolerance {tol}")
        return d


def run_output(w, name, dev, c):
    """The command's JSON, or None after recording why there is none."""
    rc = Path(w, "res", name + ".rc")
    err = Path(w, "res", name + ".err")
    text = err.read_text(errors="replace") if err.exists() else ""
    if dev == "gpu" and "Using the CPU" in text:
        c.add(name, False, detail="fell back to the CPU: " + next(l for l in text.splitlines() if "Using the CPU" in l))
        return None
    if not rc.exists():
        c.add(name, False, detail="did not run (time ran out)")
        return None
    code, ms = rc.read_text().split()
    if code != "0":
        last = [l for l in text.splitlines() if l.strip()][-1:] or ["no output"]
        c.add(name, False, detail=f"exit {code} after {ms} ms: {last[0][:300]}")
        return None
    return load(Path(w, "res", name + ".json"))


def same_log(c, what, want_removed, want_scores, got_removed, got_scores, near, key):
    """The removal log: the same elements in the same order, each score within 0.01."""
    if want_removed == got_removed:
        d = max([abs(a - b) for a, b in zip(want_scores, got_scores)] or [0])
        c.add(what + ": removal log", d <= 0.01, d, "" if d <= 0.01 else "a removal's score is off by %.4g" % d)
        return True
    i = next((k for k, (a, b) in enumerate(zip(want_removed, got_removed)) if a != b), min(len(want_removed), len(got_removed)))
    detail = (f"first difference at removal {i + 1}: fixture {want_removed[i] if i < len(want_removed) else '(none)'}, "
              f"here {got_removed[i] if i < len(got_removed) else '(none)'}; {len(want_removed)} vs {len(got_removed)} removals")
    c.add(what + ": removal log", False, None, detail + ("; the fixture flags this case near_threshold (a decision within "
                                                          f"{NEAR} points of T), so float rounding may flip it" if near else ""), allowed=near)
    return False


def check(root, w, dev):
    c = Checks()
    for short, case, model in CASES:
        exp = load(Path(root, FIX, case, "expected.json"))
        eexp = load(Path(root, FIX, case, "edges-expected.json"))
        c.group = f"{short} node scores"
        for name, s in exp["scores"].items():
            o = run_output(w, f"{short}-score-{name}", dev, c)
            if o is None:
                continue
            what = f"{short} score {name}"
            c.close(what + ": full_logit_diff", exp["full_logit_diff"], o["full_logit_diff"], abs(exp["full_logit_diff"]) * 1e-4)
            c.close(what + ": circuit_logit_diff", s["circuit_logit_diff"], o["circuit_logit_diff"], max(abs(s["circuit_logit_diff"]) * 1e-4, 1e-6))
            c.close(what + ": score", s["score"], o["score"], 0.01)
        c.group = f"{short} node prunes"
        for p in exp["prunes"]:
            name = f"{short}-prune-{p['method']}-T{p['threshold']:g}"
            o = run_output(w, name, dev, c)
            if o is None:
                continue
            what = f"{short} prune {p['method']} T={p['threshold']:g}"
            near = bool(p.get("near_threshold"))
            if same_log(c, what, [r["head"] for r in p["removed"]], [r["score"] for r in p["removed"]],
                        [r["head"] for r in o["removed"]], [r["score"] for r in o["removed"]], near, "head"):
                c.add(what + ": final circuit", sorted(p["circuit"]) == sorted(o["circuit"]), None,
                      "" if sorted(p["circuit"]) == sorted(o["circuit"]) else "the final circuits differ")
                c.close(what + ": final score", p["score"], o["score"], 0.01)
                c.add(what + ": evaluations", p["evaluations"] == o["evaluations"], None, f"fixture {p['evaluations']}, here {o['evaluations']}")
        c.group = f"{short} importance"
        o = run_output(w, f"{short}-importance", dev, c)
        if o is not None:
            imp = exp["importance"]
            c.close(f"{short} importance: circuit score", imp["circuit_score"], o["circuit_score"], 0.01)
            got = {h["head"]: h["score_without"] for h in o["heads"]}
            ds = [abs(h["score_without"] - got.get(h["head"], float("inf"))) for h in imp["heads"]]
            d = max(ds or [0])
            c.add(f"{short} importance: {len(ds)} heads' score_without", d <= 0.01, d, "" if d <= 0.01 else f"largest difference {d:.4g}")
        if not eexp:
            continue
        c.group = f"{short} edge scores"
        for name, s in eexp["scores"].items():
            o = run_output(w, f"{short}-escore-{name}", dev, c)
            if o is not None:
                c.close(f"{short} edge score {name}", s["score"], o["score"], 0.01)
        c.group = f"{short} attribution"
        o = run_output(w, f"{short}-attribute", dev, c)
        if o is not None:
            a = eexp["attribution"]
            got = {e["edge"]: e["attribution"] for e in o["edges"]}
            worst, bad = 0.0, 0
            for e in a["edges"]:
                g = got.get(e["edge"], float("nan"))
                d = abs(e["attribution"] - g)
                if not d <= max(0.01, 1e-3 * abs(e["attribution"])):
                    bad += 1
                worst = max(worst, d) if d == d else float("inf")
            c.add(f"{short} attribution: {len(a['edges'])} edges", bad == 0, worst, "" if bad == 0 else f"{bad} edges off; largest difference {worst:.4g}")
            gs = {s["node"]: s["attribution"] for s in o["senders"]}
            sd = [abs(s["attribution"] - gs.get(s["node"], float("inf"))) for s in a["senders"]]
            sbad = sum(1 for s, d in zip(a["senders"], sd) if not d <= max(0.01, 1e-3 * abs(s["attribution"])))
            c.add(f"{short} attribution: {len(sd)} senders' sums", sbad == 0, max(sd or [0]), "" if sbad == 0 else f"{sbad} senders off")
        c.group = f"{short} edge prunes"
        for p in eexp.get("prunes", []):
            name = f"{short}-eprune-T{p['threshold']:g}"
            o = run_output(w, name, dev, c)
            if o is None:
                continue
            what = f"{short} edge prune T={p['threshold']:g}"
            if same_log(c, what, [r["edge"] for r in p["removed"]], [r["score"] for r in p["removed"]],
                        [r["edge"] for r in o["removed"]], [r["score"] for r in o["removed"]], bool(p.get("near_threshold")), "edge"):
                c.add(what + ": kept edges", sorted(p["kept"]) == sorted(o["kept"]), None, "" if sorted(p["kept"]) == sorted(o["kept"]) else "the kept edges differ")
                c.close(what + ": final score", p["score"], o["score"], 0.01)
                c.add(what + ": evaluations", p["evaluations"] == o["evaluations"], None, f"fixture {p['evaluations']}, here {o['evaluations']}")
    rows = c.rows
    fails = [r for r in rows if r["status"] == "fail"]
    allowed = [r for r in rows if r["status"] == "allowed"]
    verdict = (f"PASS {len(rows) - len(allowed)}/{len(rows)} checks" if not fails else f"FAIL {len(fails)} of {len(rows)} checks") \
        + (f" ({len(allowed)} near-threshold flips the fixtures allow)" if allowed else "")
    lines = []
    groups = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    for g, rs in groups.items():
        diffs = [r["max_diff"] for r in rs if isinstance(r["max_diff"], (int, float))]
        n_ok = sum(r["status"] == "pass" for r in rs)
        lines.append(f"{g:<22} {n_ok}/{len(rs)} pass" + (f", largest difference {max(diffs):.3g}" if diffs else ""))
    for r in fails + allowed:
        lines.append(f"{r['status'].upper()}: {r['check']}: {r['detail']}")
    print(json.dumps({"device": dev, "verdict": verdict, "lines": lines, "checks": rows}, indent=1))


def bench(root, w, dev):
    out = {"device": dev, "runs": [], "edge_prune": [], "lines": []}
    lines = out["lines"]
    lp = Path(w, "bench.list")
    for line in (lp.read_text().split("\n") if lp.exists() else []):
        if not line.strip():
            continue
        name, model, batch, spec_ = line.split()
        o = load(Path(w, "res", name + ".json"))
        rc = (Path(w, "res", name + ".rc").read_text().split() if Path(w, "res", name + ".rc").exists() else ["?", "?"])
        run = {"name": name, "model": os.path.basename(model), "max_batch": int(batch), "speculation": int(spec_), "rc": rc[0], "ms": rc[1], "output": o}
        out["runs"].append(run)
        if not o or "prune" not in o:
            lines.append(f"{name}: no result (exit {rc[0]})")
            continue
        pr, im, tg = o["prune"], o.get("importance", {}), o.get("toggle", {})
        run["summary"] = {"device": o["model"]["device"], "gemm_peak_gflops": o["gemm_peak_gflops"],
                          "prune_evals_per_s": pr["fast"]["evaluations_per_second"], "prune_s": pr["fast"]["seconds"],
                          "prune_identical": pr["identical_decisions"], "prune_max_diff": pr["max_score_difference"],
                          "speculative_waste": pr["fast"].get("speculative_waste"),
                          "importance_evals_per_s": im.get("fast", {}).get("evaluations_per_second"),
                          "importance_identical": im.get("identical_decisions"), "toggle_median_s": tg.get("toggle_seconds_median"),
                          "naive_prune_evals_per_s": pr.get("naive", {}).get("evaluations_per_second")}
        s = run["summary"]
        lines.append(f"{os.path.basename(model):<16} batch {batch:>2} spec {spec_:>2} on {s['device']}: prune {s['prune_evals_per_s']} cand/s "
                     f"({s['prune_s']} s, waste {s['speculative_waste']}, same decisions {s['prune_identical']}, max diff {s['prune_max_diff']:.2g}); "
                     f"importance {s['importance_evals_per_s']} cand/s; toggle {s['toggle_median_s']} s; naive {s['naive_prune_evals_per_s']} cand/s")
    logs = {}
    for sp in (1, 8):
        name = f"edgeprune-s{sp}"
        o = load(Path(w, "res", name + ".json"))
        rc = Path(w, "res", name + ".rc")
        if not o:
            if rc.exists():
                lines.append(f"edge prune, speculation {sp}: no result (exit {rc.read_text().split()[0]})")
            continue
        rate = o["evaluations"] / o["seconds"] if o.get("seconds") else None
        logs[sp] = ([r["edge"] for r in o["removed"]], sorted(o["kept"]))
        out["edge_prune"].append({"speculation": sp, "evaluations": o["evaluations"], "seconds": o["seconds"],
                                  "candidates_per_s": round(rate, 2) if rate else None, "kept": len(o["kept"]), "score": o["score"]})
        lines.append(f"edge prune spec {sp}: {o['evaluations']} candidates in {o['seconds']} s = {rate and round(rate, 1)} cand/s; kept {len(o['kept'])}, score {o['score']:.4f}")
    e = load(Path(w, "res", "bench-edges.json"))
    if e and "edges" in e:
        out["edges_part"] = e["edges"]
        ed = e["edges"]
        lines.append("bench --parts edges: " + ", ".join(f"{k} {v}" for k, v in ed.items() if k.endswith("_seconds") or k.endswith("_vs_full_pass")))
        for p in ed.get("prunes", []):
            lines.append(f"  edge prune from {p['start_heads']} heads: {p['evaluations']} candidates, {p['edges_per_second']} edges/s, complete {p['complete']}")
    if len(logs) == 2:
        same = logs[1] == logs[8]
        out["edge_prune_same_decisions"] = same
        lines.append(f"edge prune: speculation 8 made {'the same' if same else 'DIFFERENT'} decisions as speculation 1")
    print(json.dumps(out, indent=1))


def induced(root, case, min_layer):
    e = load(Path(root, FIX, case, "edges-expected.json"))
    heads = [h for h in e["scores"]["induced"]["induced_from"].split(",") if int(h.split(".")[0]) >= int(min_layer)]
    print(",".join(heads))


def summary(out):
    s = load(Path(out, "summary.json")) or {}
    f = load(Path(out, "fixtures.json"))
    b = load(Path(out, "bench.json"))
    if f:
        s["fixtures"] = f["verdict"]
    if b:
        s["bench"] = b["lines"]
    Path(out, "summary.json").write_text(json.dumps(s, indent=1) + "\n")
    print("==== summary:", json.dumps(s.get("stages", {})), "| fixtures:", s.get("fixtures", "not run"))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "plan":
        plan(*sys.argv[2:5])
    elif cmd == "check":
        check(*sys.argv[2:5])
    elif cmd == "bench":
        bench(*sys.argv[2:5])
    elif cmd == "induced":
        induced(*sys.argv[2:5])
    elif cmd == "summary":
        summary(sys.argv[2])
PYTHON
