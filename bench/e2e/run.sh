#!/usr/bin/env bash
# pftally beside the tools people use, measured in the same hyperfine run, as ratios.
#
#   bench/e2e/run.sh [--size 1G] [--threads 1,2] [--formats plain,gzip,zstd,rotated]
#                    [--runs 5] [--warmup 1] [--slice 16M] [--corpus DIR] [--out DIR]
#                    [--build DIR]
#
# The corpus is made once with tools/pftgen (build target pftgen) and reused while its
# parameters match (DIR/params): plain mail.log, the same bytes as mail.log.gz (gzip -6) and
# mail.log.zst (zstd -3), and a rotated set of the same bytes in four pieces (mail.log.3.zst,
# mail.log.2.gz, mail.log.1, mail.log). Files are page-cached by the warmup runs.
#
# References per format: plain: cat >/dev/null, LC_ALL=C grep -c status=bounced,
# grep -cE 'status=(deferred|bounced)', rg -c status=bounced, pflogsumm (on the first --slice
# bytes, time scaled to the whole file); gzip: igzip -dc >/dev/null (and gzip -dc); zstd:
# zstd -dc >/dev/null; rotated: every piece decoded to /dev/null in order. A reference whose
# tool is missing is skipped with a note. Ratios are pftally's median wall time over the
# reference's (< 1 = pftally is faster); "x" is the reference's over pftally's.
#
# Needs: hyperfine, and for the references the Debian packages ripgrep, isal (igzip),
# pflogsumm, zstd, gzip. Results: OUT/<format>.json (hyperfine --export-json), OUT/<format>.csv,
# OUT/summary.txt with the machine, the commit and the exact commands.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

size=1G
threads=""
formats=plain,gzip,zstd,rotated
runs=5
warmup=1
slice=16M
build="$root/build"
corpus=""
out=""

die() { echo "bench: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--size) size=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--formats) formats=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--slice) slice=$2; shift 2 ;;
	--corpus) corpus=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

pftally="$build/pftally"
pftgen="$build/tools/pftgen"
[ -x "$pftally" ] || die "no $pftally: build first (cmake --build build)"
command -v hyperfine >/dev/null || die "hyperfine is not installed (apt-get install hyperfine)"
corpus=${corpus:-$build/bench-corpus}
out=${out:-$build/bench-results}
mkdir -p "$corpus" "$out"

bytes_of() { # 1G, 512M, 64K, 123 -> bytes
	local v=${1%[KkMmGg]} u=${1: -1}
	case "$u" in
	K|k) echo $((v << 10)) ;; M|m) echo $((v << 20)) ;; G|g) echo $((v << 30)) ;; *) echo "$1" ;;
	esac
}

notes=()
note() { notes+=("$*"); echo "note: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---- the corpus ------------------------------------------------------------------------------
params="size=$size seed=1 generator=pftgen"
if [ "$(cat "$corpus/params" 2>/dev/null)" != "$params" ] || [ ! -s "$corpus/mail.log" ]; then
	[ -x "$pftgen" ] || die "no $pftgen to make the corpus (build target pftgen)"
	echo "bench: generating $size of log in $corpus ..." >&2
	rm -rf "$corpus"/*
	"$pftgen" --seed 1 --bytes "$size" -o "$corpus/mail.log" >/dev/null
	rm -f "$corpus"/mail.log.truth.json
	echo "$params" >"$corpus/params"
fi
plain="$corpus/mail.log"

make_gzip() { [ -s "$corpus/gz/mail.log.gz" ] || { mkdir -p "$corpus/gz"; gzip -6 -c "$plain" >"$corpus/gz/mail.log.gz.tmp" && mv "$corpus/gz/mail.log.gz.tmp" "$corpus/gz/mail.log.gz"; }; }
make_zstd() { [ -s "$corpus/zst/mail.log.zst" ] || { mkdir -p "$corpus/zst"; zstd -q -3 -T0 -c "$plain" >"$corpus/zst/mail.log.zst.tmp" && mv "$corpus/zst/mail.log.zst.tmp" "$corpus/zst/mail.log.zst"; }; }
make_rotated() {
	local d="$corpus/rotated"
	[ -s "$d/mail.log" ] && return 0
	rm -rf "$d" && mkdir -p "$d"
	split -n l/4 -d "$plain" "$d/piece."
	zstd -q -3 -c "$d/piece.00" >"$d/mail.log.3.zst"
	gzip -6 -c "$d/piece.01" >"$d/mail.log.2.gz"
	mv "$d/piece.02" "$d/mail.log.1"
	mv "$d/piece.03" "$d/mail.log"
	rm -f "$d"/piece.*
}
make_slice() {
	local s="$corpus/slice.log"
	if [ "$(cat "$corpus/slice.params" 2>/dev/null)" != "$slice" ]; then
		head -c "$(bytes_of "$slice")" "$plain" | sed '$d' >"$s"
		echo "$slice" >"$corpus/slice.params"
	fi
}

# pftally reads a plain file modified in the last minute with read() rather than mmap (it may
# be a live log): date the corpus an hour back so that every run takes the archive path.
find "$corpus" -type f -newermt '-10 minutes' -exec touch -d '1 hour ago' {} +

# ---- pftally's command lines --------------------------------------------------------------------
if [ -z "$threads" ]; then
	threads="1,$(nproc)"
	[ "$(nproc)" = 1 ] && threads=1
fi
thread_flag=1
"$pftally" --help 2>&1 | grep -q -- '--threads' || thread_flag=0
if [ "$thread_flag" = 0 ]; then
	note "this pftally has no --threads option: measured as it runs (one configuration)"
	threads=1
fi
IFS=, read -r -a thread_list <<<"$threads"

pftally_cmd() { # threads, paths...
	local t=$1; shift
	if [ "$thread_flag" = 1 ]; then
		echo "$pftally --threads $t $*"
	else
		echo "$pftally $*"
	fi
}

# ---- one hyperfine run per format -------------------------------------------------------------
# Each entry: name, command, scale separated by $sep (the reference's time is multiplied by
# scale: pflogsumm runs on a slice).
sep=$'\x1f'
summary="$out/summary.txt"
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }

run_format() { # format, input bytes, entries...
	local fmt=$1 in_bytes=$2; shift 2
	local args=() names=() scales=() cmds=()
	for e in "$@"; do
		local name=${e%%"$sep"*} rest=${e#*"$sep"}
		local cmd=${rest%"$sep"*} scale=${rest##*"$sep"}
		names+=("$name"); cmds+=("$cmd"); scales+=("$scale")
		args+=(-n "$name" "$cmd")
	done
	hyperfine --warmup "$warmup" --runs "$runs" --output=pipe --style basic \
		--export-json "$out/$fmt.json" --export-csv "$out/$fmt.csv" "${args[@]}" >&2
	# median wall time per command, scaled
	local -A med=()
	local i=0
	while IFS=, read -r cmd mean stddev median rest; do
		[ "$cmd" = command ] && continue
		med[$i]=$median
		i=$((i + 1))
	done <"$out/$fmt.csv"
	say ""
	say "== $fmt: $(awk -v b="$in_bytes" 'BEGIN{printf "%.2f GiB of log", b/2^30}') =="
	local header
	header=$(printf '%-44s %9s %8s' "command" "median s" "GB/s")
	for t in "${thread_list[@]}"; do header+=$(printf ' %17s' "pftally-j$t/ref (x)"); done
	say "$header"
	for ((k = 0; k < ${#names[@]}; k++)); do
		local m=${med[$k]} s=${scales[$k]}
		local scaled
		scaled=$(awk -v m="$m" -v s="$s" 'BEGIN{printf "%.4f", m*s}')
		local line
		line=$(printf '%-44s %9s %8s' "${names[$k]}" "$scaled" \
			"$(awk -v b="$in_bytes" -v t="$scaled" 'BEGIN{printf "%.2f", b/t/1e9}')")
		local j=0
		for t in "${thread_list[@]}"; do
			local pm=${med[$j]}
			line+=$(awk -v p="$pm" -v r="$scaled" 'BEGIN{printf " %6.2f (%6.2fx)", p/r, r/p}')
			j=$((j + 1))
		done
		say "$line"
	done
}

machine() {
	local cpu
	cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
	echo "machine: ${cpu:-unknown cpu}, $(nproc) cpus, $(awk '/MemTotal/{printf "%.0f GiB", $2/2^20}' /proc/meminfo) RAM, $(uname -sr)"
	local kernel=""
	[ -x "$build/bench/bench_scan" ] && kernel=$("$build/bench/bench_scan" --print-kernel 2>/dev/null || true)
	echo "scan kernel: ${kernel:-unknown}${PFT_FORCE_SCAN:+ (PFT_FORCE_SCAN=$PFT_FORCE_SCAN)}"
	local commit
	commit=$(cat "$root/.git/HEAD" 2>/dev/null || true)
	case "$commit" in ref:*) commit=$(cat "$root/.git/${commit#ref: }" 2>/dev/null || echo "$commit") ;; esac
	echo "commit: ${commit:-unknown}"
	echo "command: bench/e2e/run.sh --size $size --threads $threads --formats $formats --runs $runs --warmup $warmup --slice $slice"
	echo "hyperfine $(hyperfine --version | awk '{print $2}'), --warmup $warmup --runs $runs --output=pipe; times are medians"
}

machine | tee -a "$summary"

pft_entries() { # label, paths...
	local label=$1; shift
	for t in "${thread_list[@]}"; do
		echo "pftally -j$t $label${sep}$(pftally_cmd "$t" "$@")${sep}1"
	done
}

IFS=, read -r -a format_list <<<"$formats"
for fmt in "${format_list[@]}"; do
	entries=()
	case "$fmt" in
	plain)
		in_bytes=$(stat -c %s "$plain")
		mapfile -t entries < <(pft_entries "" "$plain")
		entries+=("cat >/dev/null${sep}cat $plain >/dev/null${sep}1")
		entries+=("LC_ALL=C grep -c status=bounced${sep}LC_ALL=C grep -c status=bounced $plain${sep}1")
		entries+=("grep -cE 'status=(deferred|bounced)'${sep}grep -cE 'status=(deferred|bounced)' $plain${sep}1")
		if have rg; then
			entries+=("rg -c status=bounced${sep}rg -c status=bounced $plain${sep}1")
		else
			note "rg not found (apt-get install ripgrep): skipped"
		fi
		if have pflogsumm; then
			make_slice
			sb=$(stat -c %s "$corpus/slice.log")
			scale=$(awk -v a="$in_bytes" -v b="$sb" 'BEGIN{printf "%.6f", a/b}')
			entries+=("pflogsumm (slice $slice; scaled)${sep}pflogsumm $corpus/slice.log${sep}$scale")
		else
			note "pflogsumm not found (apt-get install pflogsumm): skipped"
		fi
		;;
	gzip)
		have gzip || { note "gzip not found: gzip format skipped"; continue; }
		make_gzip
		f="$corpus/gz/mail.log.gz"
		in_bytes=$(stat -c %s "$plain")
		mapfile -t entries < <(pft_entries "(gzip)" "$f")
		if have igzip; then
			entries+=("igzip -dc >/dev/null${sep}igzip -dc $f >/dev/null${sep}1")
		else
			note "igzip not found (apt-get install isal): skipped"
		fi
		entries+=("gzip -dc >/dev/null${sep}gzip -dc $f >/dev/null${sep}1")
		;;
	zstd)
		have zstd || { note "zstd not found (apt-get install zstd): zstd format skipped"; continue; }
		make_zstd
		f="$corpus/zst/mail.log.zst"
		in_bytes=$(stat -c %s "$plain")
		mapfile -t entries < <(pft_entries "(zstd)" "$f")
		entries+=("zstd -dc >/dev/null${sep}zstd -dc $f >/dev/null${sep}1")
		;;
	rotated)
		{ have zstd && have gzip; } || { note "zstd or gzip missing: rotated set skipped"; continue; }
		make_rotated
		d="$corpus/rotated"
		in_bytes=$(stat -c %s "$plain")
		mapfile -t entries < <(pft_entries "(rotated dir)" "$d")
		gz="gzip -dc"
		have igzip && gz="igzip -dc"
		entries+=("decode all >/dev/null${sep}{ zstd -dc $d/mail.log.3.zst; $gz $d/mail.log.2.gz; cat $d/mail.log.1 $d/mail.log; } >/dev/null${sep}1")
		;;
	*) die "unknown format '$fmt' (plain, gzip, zstd, rotated)" ;;
	esac
	find "$corpus" -type f -newermt '-10 minutes' -exec touch -d '1 hour ago' {} +
	run_format "$fmt" "$in_bytes" "${entries[@]}"
done

if [ ${#notes[@]} -gt 0 ]; then
	say ""
	for n in "${notes[@]}"; do say "note: $n"; done
fi
echo "bench: results in $out" >&2
