#!/usr/bin/perl
# call.pl N: one session calls another's handler N times; prints rate=calls/s.
use strict;
use warnings;
use Time::HiRes qw(time);
use POE;

my $n = shift || 500000;
my ($rate, $dt);
POE::Session->create(inline_states => {
    _start => sub { $_[KERNEL]->alias_set("target") },
    add    => sub { $_[ARG0] + 1 },
    done   => sub { $_[KERNEL]->alias_remove("target") },
});
POE::Session->create(inline_states => {
    _start => sub { $_[KERNEL]->yield("go") },
    go     => sub {
        my $k = $_[KERNEL];
        my $target = $k->alias_resolve("target");
        my $sum = 0;
        my $t0 = time;
        for (1 .. $n) { $sum += $k->call($target, "add", 1) }
        $dt = time - $t0;
        die "sum = $sum, want " . 2 * $n . "\n" unless $sum == 2 * $n;
        $k->post($target, "done");
    },
});
POE::Kernel->run;
printf "rate=%.1f n=%d secs=%.3f\n", $n / $dt, $n, $dt;
