#!/usr/bin/perl
# Oracle for poe_test.go: runs Perl POE's filters over the cases read as JSON
# on standard input and prints what they return as JSON. Byte strings travel
# as hex. A die becomes the record "!err".
use strict;
use JSON::PP;
use POE::Filter::Line;
use POE::Filter::Block;

local $/;
my $spec = decode_json(<STDIN>);
my @out;
for my $case (@$spec) {
  my %params = %{ $case->{params} || {} };
  my $class  = "POE::Filter::" . $case->{filter};
  my $filter = $class->new(%params);
  my @records;
  for my $hex (@{ $case->{chunks} }) {
    $filter->get_one_start([ pack("H*", $hex) ]);
    for (1 .. 100000) {
      my $got = eval { $filter->get_one };
      if ($@) { push @records, "!err"; next }
      last unless @$got;
      push @records, unpack("H*", $got->[0]);
    }
  }
  my $pending = $filter->get_pending;
  my $put = $filter->put([ map { pack("H*", $_) } @{ $case->{put} || [] } ]);
  push @out, {
    records => \@records,
    pending => defined($pending) ? unpack("H*", join('', @$pending)) : "",
    put     => [ map { unpack("H*", $_) } @$put ],
  };
}
print encode_json(\@out);
