#!/usr/bin/perl
# Semantic 12: stop() stops every session, leaves first, delivering _stop
# and _child; events still queued are dropped, and run returns.
use strict;
use warnings;
use POE;
$| = 1;

sub states {
  my ($name, $depth) = @_;
  return {
    _start => sub {
      my $kernel = $_[KERNEL];
      $kernel->delay(late => 0.1);
      POE::Session->create(inline_states => states("L" . ($depth + 1), $depth + 1)) if $depth < 3;
      $kernel->yield("halt") if $depth == 2;
    },
    halt => sub {
      print "$name calls stop\n";
      $_[KERNEL]->post("nobody", "x");
      $_[KERNEL]->stop();
      print "$name: stop returned\n";
    },
    late => sub { print "$name late\n" },
    _child => sub {
      print "$name _child $_[ARG0] ", $_[ARG1]->ID, " ", (defined $_[ARG2] ? $_[ARG2] : "undef"), "\n"
        unless $_[ARG0] eq "create";
    },
    _stop => sub {
      print "$name _stop\n";
      $_[KERNEL]->yield("late");
      return "$name-gone";
    },
  };
}

POE::Session->create(inline_states => states("L1", 1));
POE::Kernel->run();
print "run returned\n";
