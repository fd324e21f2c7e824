#!/usr/bin/perl
# Semantic 12: run with no sessions returns at once and can be called
# again; sessions created after a run get the next IDs.
use strict;
use warnings;
use POE;
$| = 1;

sub make_session {
  my ($name) = @_;
  my $s = POE::Session->create(
    inline_states => {
      _start => sub { print "$name _start id=", $_[SESSION]->ID, "\n"; $_[KERNEL]->yield("work") },
      work => sub { print "$name work\n" },
      _stop => sub { print "$name _stop\n" },
    },
  );
}

POE::Kernel->run();
print "empty run returned\n";
make_session("first");
POE::Kernel->run();
print "first run returned\n";
POE::Kernel->run();
print "second empty run returned\n";
make_session("second");
make_session("third");
POE::Kernel->run();
print "last run returned\n";
