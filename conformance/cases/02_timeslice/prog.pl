#!/usr/bin/perl
# Semantic 2: the loop runs in timeslices. Events posted during a batch
# wait for the next one, so two yield loops interleave, and a session that
# runs out of work is collected when its batch ends, after the other
# events of that batch.
use strict;
use warnings;
use POE;
$| = 1;

for my $name (qw(A B)) {
  POE::Session->create(
    inline_states => {
      _start => sub {
        $_[HEAP]{name} = $name;
        $_[HEAP]{left} = $name eq "A" ? 2 : 4;
        $_[KERNEL]->yield("tick", 1);
      },
      tick => sub {
        my ($kernel, $heap, $n) = @_[KERNEL, HEAP, ARG0];
        print "$heap->{name} tick $n\n";
        $kernel->yield("tick", $n + 1) if --$heap->{left};
      },
      _stop => sub { print "$_[HEAP]{name} stop\n" },
    },
  );
}

POE::Kernel->run();
print "run returned\n";
