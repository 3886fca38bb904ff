@extends('layout')

@section('title', 'Items')

@section('content')
<h1>{{ count($items) }} items</h1>
<table>
    <tr><th>#</th><th>Name</th><th>Price</th><th>Stock</th></tr>
    @foreach ($items as $item)
    <tr class="{{ $loop->even ? 'even' : 'odd' }}">
        <td>{{ $item->id }}</td>
        <td>{{ $item->name }}</td>
        <td>{{ number_format($item->price / 100, 2) }}</td>
        <td>@if ($item->stock > 0){{ $item->stock }}@else<em>sold out</em>@endif</td>
    </tr>
    @endforeach
</table>
@endsection
