#!/usr/bin/perl
# Semantic 7, the _garbage_collect events of sessions created one after
# another: each is swept when the batch that dispatches its own event
# ends. Sessions made before run, in a handler before and after posts and
# timers, and in a handler whose batch already holds earlier creations'
# events, stop in POE's order.
use strict;
use warnings;
use POE;
$| = 1;

sub idle {
  my $name = shift;
  POE::Session->create(
    inline_states => {
      _start => sub { print "$name _start\n" },
      _stop  => sub { print "$name _stop\n" },
    },
  );
}

POE::Session->create(
  inline_states => {
    _start => sub { print "E _start\n"; $_[KERNEL]->yield("spawn") },
    spawn  => sub {
      print "E spawn\n";
      idle("F1");
      idle("F2");
      $_[KERNEL]->yield("tick", 1);
      idle("F3");
      $_[KERNEL]->delay("late", 0);
      idle("F4");
      idle("F5");
    },
    tick => sub {
      print "E tick $_[ARG0]\n";
      idle("G$_[ARG0]");
      $_[KERNEL]->yield("tick", $_[ARG0] + 1) if $_[ARG0] < 3;
    },
    late  => sub { print "E late\n"; idle("H") },
    _stop => sub { print "E _stop\n" },
  },
);
idle("D1");
idle("D2");
idle("D3");

print "before run\n";
POE::Kernel->run();
print "run returned\n";
