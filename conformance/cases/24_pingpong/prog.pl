#!/usr/bin/perl
# Two sessions play ping-pong with post and SENDER while a third yields
# to itself: each batch carries one step of each.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("ponger") },
    ping => sub {
      my ($kernel, $sender, $n) = @_[KERNEL, SENDER, ARG0];
      print "ponger got ping $n from ", $sender->ID, "\n";
      $kernel->post($sender, "pong", $n);
      $kernel->alias_remove("ponger") if $n == 3;
    },
    _stop => sub { print "ponger _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->post("ponger", "ping", 1) },
    pong => sub {
      my ($kernel, $sender, $n) = @_[KERNEL, SENDER, ARG0];
      print "pinger got pong $n from ", $sender->ID, "\n";
      $kernel->post($sender, "ping", $n + 1) if $n < 3;
    },
    _stop => sub { print "pinger _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->yield("tick", 1) },
    tick => sub {
      print "ticker $_[ARG0]\n";
      $_[KERNEL]->yield("tick", $_[ARG0] + 1) if $_[ARG0] < 8;
    },
    _stop => sub { print "ticker _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
