#!/usr/bin/perl
# A session created during its parent's _stop is the stopping session's
# child (which gets _child("create")); when the parent is freed the new
# session moves to the grandparent without a gain event, and lives on.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->alias_set("grandparent");
      POE::Session->create(
        inline_states => {
          _start => sub { print "parent _start\n" },
          _stop => sub {
            print "parent _stop creates a child\n";
            POE::Session->create(
              inline_states => {
                _start => sub { print "orphan _start\n"; $_[KERNEL]->delay(tick => 0.05) },
                _parent => sub { print "orphan _parent\n" },
                tick => sub { print "orphan tick\n"; $_[KERNEL]->post("grandparent", "done") },
                _stop => sub { print "orphan _stop\n" },
              },
            );
            print "parent _stop ends\n";
          },
          _child => sub { print "parent _child $_[ARG0] ", $_[ARG1]->ID, "\n" },
        },
      );
    },
    _child => sub { print "grandparent _child $_[ARG0] ", $_[ARG1]->ID, "\n" },
    done => sub { print "grandparent done\n"; $_[KERNEL]->alias_remove("grandparent") },
    _stop => sub { print "grandparent _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
