#!/usr/bin/perl
# Semantic 7: a session that does nothing in _start stops when the batch
# that dispatches its first events ends, not at once; sessions collected
# in the same sweep stop newest-mark first.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub { print "idle _start\n" },
    _stop  => sub { print "idle _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { print "busy _start\n"; $_[KERNEL]->yield("work", 1) },
    work   => sub {
      print "busy work $_[ARG0]\n";
      $_[KERNEL]->yield("work", $_[ARG0] + 1) if $_[ARG0] < 2;
    },
    _stop  => sub { print "busy _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { print "quick _start\n"; $_[KERNEL]->yield("once") },
    once   => sub { print "quick once\n" },
    _stop  => sub { print "quick _stop\n" },
  },
);

print "before run\n";
POE::Kernel->run();
print "run returned\n";
