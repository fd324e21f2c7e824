#!/usr/bin/perl
# state() adds, replaces and removes a session's handlers at run time,
# _default included, and returns 0; a called session's state() changes
# the called session.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      my $kernel = $_[KERNEL];
      $kernel->alias_set("shapeshifter");
      my $r = $kernel->state(dyn => sub {
        print "dyn first: $_[ARG0]\n";
        $_[KERNEL]->state(dyn => sub {
          print "dyn replaced: $_[ARG0]\n";
          $_[KERNEL]->yield("dyn", 3) if $_[ARG0] < 3;
        });
        $_[KERNEL]->yield("dyn", 2);
      });
      print "state add: ", ($r == 0 ? "ok" : "code $r"), "\n";
      $kernel->yield("dyn", 1);
    },
    learn => sub {
      my $kernel = $_[KERNEL];
      print "learn called by ", $_[SENDER]->ID, "\n";
      $kernel->state(dyn => undef);
      $kernel->state(_default => sub { print "_default got $_[ARG0]\n"; $_[KERNEL]->state("_default") });
      return "learned";
    },
    release => sub { print "release\n"; $_[KERNEL]->alias_remove("shapeshifter") },
    _stop => sub { print "shapeshifter _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->delay(teach => 0.05) },
    teach => sub {
      my $kernel = $_[KERNEL];
      print "teacher: ", $kernel->call("shapeshifter", "learn"), "\n";
      $kernel->post("shapeshifter", "dyn", 4);
      $kernel->post("shapeshifter", "dyn", 5);
      $kernel->delay(release => 0.05);
    },
    release => sub { $_[KERNEL]->call("shapeshifter", "release") },
    _stop => sub { print "teacher _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
