#!/usr/bin/perl
# Semantic 10: when only aliases keep sessions alive, the kernel sends
# IDLE. A handled IDLE after which the kernel is still idle is followed
# by ZOMBIE, which stops everything; an IDLE handler that makes work
# puts that off.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->alias_set("daemon");
      $_[KERNEL]->sig(IDLE => "idle");
      $_[KERNEL]->sig(ZOMBIE => "zombie");
      $_[HEAP]{idles} = 0;
      $_[KERNEL]->yield("work", "first");
    },
    work => sub { print "work $_[ARG0]\n" },
    idle => sub {
      my ($kernel, $heap) = @_[KERNEL, HEAP];
      $heap->{idles}++;
      print "got $_[ARG0] $heap->{idles}\n";
      $kernel->sig_handled();
      $kernel->delay(work => 0.05, "after idle") if $heap->{idles} == 1;
      $kernel->yield(work => "after idle 2") if $heap->{idles} == 2;
    },
    zombie => sub { print "got $_[ARG0]\n" },
    _stop => sub { print "daemon _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
