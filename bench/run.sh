#!/usr/bin/env bash
# bench/run.sh: the kernel's speed next to Perl POE's, in one table.
#
# For each workload it runs bench/perl/<workload>.pl and the Go program
# bench/kernel, each printing one "key=value ..." line, and prints the rates,
# the ratio Go/Perl and whether the ratio meets the project's target. It
# reports; it does not fail on BELOW (exit 0 unless something cannot run at
# all). At the end it runs the kernel package's Go micro-benchmarks.
#
# Sizes: Perl N gives 1-5 s per Perl run; Go N is 10-50x larger. Rates are
# per second, so the Ns need not match. Override with PERL_N_<W> / GO_N_<W>.
# GO_MICRO_TIMEOUT (seconds, default 60) bounds the micro-benchmarks.
set -u
cd "$(dirname "$0")/.."

PERL_N_POST=${PERL_N_POST:-150000}
PERL_N_YIELD=${PERL_N_YIELD:-150000}
PERL_N_CALL=${PERL_N_CALL:-600000}
PERL_N_SESSIONS=${PERL_N_SESSIONS:-100000}
GO_N_POST=${GO_N_POST:-3000000}
GO_N_YIELD=${GO_N_YIELD:-3000000}
GO_N_CALL=${GO_N_CALL:-10000000}
GO_N_SESSIONS=${GO_N_SESSIONS:-1000000}
GO_MICRO_TIMEOUT=${GO_MICRO_TIMEOUT:-60}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "building bench/kernel ..."
if ! go build -o "$tmp/kernel" ./bench/kernel; then
	echo "bench: go build ./bench/kernel failed" >&2
	exit 1
fi

have_perl=1
perl_note=""
if ! command -v perl >/dev/null 2>&1; then
	have_perl=0
	perl_note="perl not found: Perl rows skipped"
elif ! perl -MPOE -e1 >/dev/null 2>&1; then
	have_perl=0
	perl_note="Perl module POE not found (Debian: libpoe-perl): Perl rows skipped"
else
	perl_note="Perl $(perl -e 'printf "%vd", $^V') with POE $(perl -MPOE -e 'print $POE::VERSION')"
fi

# field LINE KEY prints the value of KEY=... in LINE, or nothing.
field() {
	local kv
	for kv in $1; do
		if [[ $kv == "$2="* ]]; then
			echo "${kv#*=}"
			return
		fi
	done
}

# run_perl W N prints the Perl program's result line (empty when skipped).
run_perl() {
	[[ $have_perl == 1 ]] || return 0
	echo "  perl $1 N=$2 ..." >&2
	perl "bench/perl/$1.pl" "$2" 2>"$tmp/perl-$1.err" | tail -n 1 ||
		true
	if [[ -s $tmp/perl-$1.err ]]; then sed 's/^/    perl: /' "$tmp/perl-$1.err" >&2; fi
}

# run_go W N prints the Go program's result line.
run_go() {
	echo "  go   $1 N=$2 ..." >&2
	"$tmp/kernel" -w "$1" -n "$2" 2>"$tmp/go-$1.err" | tail -n 1 || true
	if [[ -s $tmp/go-$1.err ]]; then sed 's/^/    go: /' "$tmp/go-$1.err" >&2; fi
}

rows=()
# row NAME PERL GO TARGET_RATIO: ratio = GO/PERL; PASS when ratio >= target.
row() {
	rows+=("$(awk -v name="$1" -v p="$2" -v g="$3" -v t="$4" 'BEGIN {
		ps = (p == "") ? "-" : sprintf("%.0f", p)
		gs = (g == "") ? "-" : sprintf("%.0f", g)
		if (p == "" || g == "" || p + 0 == 0) { r = "-"; st = (g == "") ? "ERROR" : "n/a" }
		else { ratio = g / p; r = sprintf("%.1fx", ratio); st = (ratio >= t) ? "PASS" : "BELOW" }
		printf "%-28s %14s %14s %9s %8s  %s", name, ps, gs, r, ">=" t "x", st
	}')")
}

echo "running workloads ($perl_note) ..."
declare -A P G
for w in post yield call sessions; do
	pn=PERL_N_${w^^}
	gn=GO_N_${w^^}
	P[$w]=$(run_perl "$w" "${!pn}")
	G[$w]=$(run_go "$w" "${!gn}")
done

row "post ping-pong (events/s)" "$(field "${P[post]}" rate)" "$(field "${G[post]}" rate)" 100
row "yield loop (events/s)" "$(field "${P[yield]}" rate)" "$(field "${G[yield]}" rate)" 100
row "call loop (calls/s)" "$(field "${P[call]}" rate)" "$(field "${G[call]}" rate)" 100
row "create alias session (s/s)" "$(field "${P[sessions]}" rate)" "$(field "${G[sessions]}" rate)" 30

echo
printf "%-28s %14s %14s %9s %8s  %s\n" workload "Perl rate" "Go rate" "Go/Perl" target result
for r in "${rows[@]}"; do echo "$r"; done

# Memory: RSS per session for both, and the Go million's total against 1 GiB.
prss=$(field "${P[sessions]}" rss_per)
grss=$(field "${G[sessions]}" rss_per)
gtot=$(field "${G[sessions]}" rss_total)
echo
printf "%-28s %14s %14s\n" "memory" "Perl" "Go"
printf "%-28s %14s %14s\n" "RSS per session (bytes)" "${prss:--}" "${grss:--}"
printf "%-28s %14s %14s\n" "sessions created" "$([[ -n ${P[sessions]} ]] && echo "$PERL_N_SESSIONS" || echo -)" "$GO_N_SESSIONS"
awk -v t="$gtot" -v n="$GO_N_SESSIONS" 'BEGIN {
	lim = 1024 * 1024 * 1024
	if (t == "") { printf "%-28s %14s %14s  %s\n", "Go total RSS (target <=1GiB)", "", "-", "ERROR"; exit }
	printf "%-28s %14s %14s  %s\n", "Go total RSS (target <=1GiB)", "", sprintf("%.0f MiB", t / 1048576), \
		(n < 1000000) ? "n/a (N < 1M)" : (t <= lim ? "PASS" : "BELOW")
}'
printf "%-28s %14s %14s\n" "kernel run to collect (s)" "$(field "${P[sessions]}" run_secs)" "$(field "${G[sessions]}" run_secs)"
echo
echo "raw: perl: post[${P[post]}] yield[${P[yield]}] call[${P[call]}] sessions[${P[sessions]}]"
echo "raw: go:   post[${G[post]}] yield[${G[yield]}] call[${G[call]}] sessions[${G[sessions]}]"
[[ $have_perl == 1 ]] || echo "note: $perl_note"

# The micro-benchmarks, as `go test -run XXX -bench . -benchtime 1000000x
# ./kernel/`. The test binary is built first and run directly so that the
# time bound stops the benchmark process itself, not just the go command.
echo
echo "go test -run XXX -bench . -benchtime 1000000x ./kernel/ (bounded to ${GO_MICRO_TIMEOUT}s)"
if go test -c -o "$tmp/kernel.test" ./kernel/; then
	(cd kernel && timeout "$GO_MICRO_TIMEOUT" "$tmp/kernel.test" -test.run XXX -test.bench . -test.benchtime 1000000x)
	rc=$?
	if [[ $rc == 124 ]]; then
		echo "note: micro-benchmarks stopped after ${GO_MICRO_TIMEOUT}s (the benchmark then running did not finish)"
	elif [[ $rc != 0 ]]; then
		echo "note: micro-benchmarks exited with status $rc"
	fi
else
	echo "note: go test -c ./kernel/ failed"
fi
exit 0
