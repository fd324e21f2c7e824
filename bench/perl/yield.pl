#!/usr/bin/perl
# yield.pl N: one session yields an event to itself N times; prints rate=events/s.
use strict;
use warnings;
use Time::HiRes qw(time);
use POE;

my $n = shift || 200000;
my $left = $n;
POE::Session->create(inline_states => {
    _start => sub { $_[KERNEL]->yield("next") },
    next   => sub { $_[KERNEL]->yield("next") if --$left > 0 },
});
my $t0 = time;
POE::Kernel->run;
my $dt = time - $t0;
printf "rate=%.1f n=%d secs=%.3f\n", $n / $dt, $n, $dt;
