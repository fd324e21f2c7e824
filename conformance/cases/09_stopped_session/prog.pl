#!/usr/bin/perl
# Semantic 8: events to and from a stopped session are discarded. A post
# from _stop succeeds and is never delivered; a call from _stop works.
use strict;
use warnings;
use POE;
use Errno qw(ESRCH);
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->alias_set("keeper");
      $_[KERNEL]->delay(finish => 0.05);
    },
    hello => sub { print "keeper hello from ", $_[SENDER]->ID, " ($_[ARG0])\n" },
    ask   => sub { print "keeper ask from ", $_[SENDER]->ID, "\n"; return "answer" },
    finish => sub {
      my $kernel = $_[KERNEL];
      my $r = $kernel->post(2, "hello", "to stopped");
      print "keeper post to stopped session: ", ($r ? "ok" : $! == ESRCH ? "ESRCH" : "?"), "\n";
      $kernel->alias_remove("keeper");
    },
    _stop => sub { print "keeper _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub {
      my ($kernel, $session) = @_[KERNEL, SESSION];
      $kernel->signal($session, "UIDESTROY");
      $kernel->post("keeper", "hello", "queued before stop");
      $kernel->yield("never");
    },
    never => sub { print "doomed never\n" },
    _stop => sub {
      my $kernel = $_[KERNEL];
      print "doomed _stop\n";
      my $r = $kernel->post("keeper", "hello", "from _stop");
      print "doomed post from _stop: ", ($r ? "ok" : "failed"), "\n";
      $r = $kernel->call("keeper", "ask");
      print "doomed call from _stop: $r\n";
    },
  },
);

POE::Kernel->run();
print "run returned\n";
