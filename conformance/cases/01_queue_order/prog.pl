#!/usr/bin/perl
# Semantic 1: one queue ordered by (due time, insertion). Posts are due
# when made; a timer already in the past runs before queued posts, even
# one set during the batch; equal due times keep insertion order.
use strict;
use warnings;
use POE;
use Time::HiRes qw(time);
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      my ($kernel, $session) = @_[KERNEL, SESSION];
      my $base = time;
      $kernel->post($session, "ev", "post1");
      $kernel->yield("ev", "yield2");
      $kernel->alarm_add("ev", $base - 1, "past_alarm");
      $kernel->delay_add("ev", 0, "delay0");
      $kernel->alarm_add("ev", $base + 0.1, "tie1");
      $kernel->alarm_add("ev", $base + 0.1, "tie2");
      $kernel->alarm_add("ev", $base + 0.1, "tie3");
      $kernel->post($session, "ev", "post3");
      print "start done\n";
    },
    ev => sub {
      my ($kernel, $what) = @_[KERNEL, ARG0];
      print "ev $what\n";
      if ($what eq "post1") {
        $kernel->yield("ev", "yield_from_post1");
        $kernel->alarm_add("ev", time - 1, "past_from_post1");
        $kernel->delay_add("ev", 0, "delay0_from_post1");
      }
    },
    _stop => sub { print "stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
