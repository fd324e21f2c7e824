#!/usr/bin/perl
# Semantic 7, sweep order: sessions that run out of references in the same
# batch stop in reverse order of the moment their last reference went.
# Dispatching y2 releases X (its post to Y was its last reference); Y's
# alias still holds Y until its y2 handler removes it. So Y's reference
# goes last, and Y stops first.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("Y") },
    y2 => sub { print "Y y2 from ", $_[SENDER]->ID, "\n"; $_[KERNEL]->alias_remove("Y") },
    _stop => sub { print "Y _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->yield("x1") },
    x1 => sub { print "X x1\n"; $_[KERNEL]->post("Y", "y2") },
    _stop => sub { print "X _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
