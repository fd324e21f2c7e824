#!/usr/bin/perl
# run_one_timeslice dispatches one batch: what was due when it started.
# Events posted during the slice wait for the next call; the session is
# collected at the end of the slice that runs its last event; then run
# returns at once.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->yield("step", 1); $_[KERNEL]->yield("step", 10) },
    step => sub {
      print "step $_[ARG0]\n";
      $_[KERNEL]->yield("step", $_[ARG0] + 1) if $_[ARG0] < 3;
    },
    _stop => sub { print "_stop\n" },
  },
);

for my $slice (1 .. 4) {
  $poe_kernel->run_one_timeslice();
  print "after slice $slice\n";
}
POE::Kernel->run();
print "run returned\n";
