#!/usr/bin/perl
# Semantic 10: IDLE is terminal: when only aliases keep sessions alive
# and no one calls sig_handled, every session stops, leaves first.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->alias_set("parent");
      POE::Session->create(
        inline_states => {
          _start => sub {
            $_[KERNEL]->alias_set("child");
            $_[KERNEL]->sig(IDLE => "idle");
            $_[KERNEL]->yield("work");
          },
          work => sub { print "child work\n" },
          idle => sub { print "child got $_[ARG0], does not handle it\n" },
          _stop => sub { print "child _stop\n" },
        },
      );
    },
    _child => sub { print "parent _child $_[ARG0]\n" },
    _stop => sub { print "parent _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
