@extends('layout')

@section('title', 'Notes')

@section('content')
@if ($errors->any())
<ul class="errors">
    @foreach ($errors->all() as $error)
    <li>{{ $error }}</li>
    @endforeach
</ul>
@endif
<ul class="notes">
    @foreach ($notes as $note)
    <li>{{ $note }}</li>
    @endforeach
</ul>
<form method="post" action="/notes">
    @csrf
    <input name="title" value="{{ old('title') }}">
    <textarea name="body">{{ old('body') }}</textarea>
</form>
@endsection
