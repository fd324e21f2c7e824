#!/usr/bin/perl
# sessions.pl N: creates N sessions that each hold an alias, then runs the
# kernel so IDLE collects them. Prints rate=sessions/s (creation loop only),
# rss_per=bytes/session (VmRSS after creation minus before), and the totals.
use strict;
use warnings;
use Time::HiRes qw(time);
use POE;

sub vmrss {
    open my $fh, "<", "/proc/self/status" or return 0;
    while (<$fh>) { return $1 * 1024 if /^VmRSS:\s+(\d+)\s+kB/ }
    return 0;
}

my $n = shift || 100000;
my @names = map { "s$_" } 1 .. $n;
my $start = sub { $_[KERNEL]->alias_set($_[ARG0]) };
my $base = vmrss();
my $t0 = time;
for my $i (0 .. $n - 1) {
    POE::Session->create(inline_states => { _start => $start }, args => [ $names[$i] ]);
}
my $dt = time - $t0;
my $rss = vmrss();
my $t1 = time;
POE::Kernel->run;
my $run = time - $t1;
printf "rate=%.1f rss_per=%.0f rss_total=%d n=%d secs=%.3f run_secs=%.3f\n",
    $n / $dt, ($rss - $base) / $n, $rss, $n, $dt, $run;
